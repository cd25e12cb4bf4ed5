const http = require("node:http");
const ms = require("ms");
const { banner } = require("@acme/shared");

const started = Date.now();
http
  .createServer((req, res) => res.end(`up ${ms(Date.now() - started)}\n`))
  .listen(4000, () => console.log(banner("api"), "listening on 4000"));
