const fs = require("node:fs");
const path = require("node:path");

const out = path.join(__dirname, "dist");
fs.mkdirSync(out, { recursive: true });
fs.copyFileSync(path.join(__dirname, "src", "server.js"), path.join(out, "server.js"));
console.log("built packages/api/dist/server.js");
