const http = require("node:http");
const dayjs = require("dayjs");
const config = require("@fleet/config");

http
  .createServer((req, res) => res.end(`${dayjs().toISOString()}\n`))
  .listen(config.port, () => console.log(config.label, "api on", config.port));
