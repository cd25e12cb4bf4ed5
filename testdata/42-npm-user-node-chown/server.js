require("dotenv").config();
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const cookie = require("cookie");
const ms = require("ms");

const startedAt = Date.now();
const page = fs.readFileSync(path.join(__dirname, "public", "index.html"));

http
  .createServer((req, res) => {
    if (req.url === "/uptime") {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ uptime: ms(Date.now() - startedAt) }));
      return;
    }
    const theme = cookie.parse(req.headers.cookie || "").theme || "light";
    res.setHeader("Content-Type", "text/html");
    res.setHeader("X-Theme", theme);
    res.end(page);
  })
  .listen(process.env.PORT || 8080);
