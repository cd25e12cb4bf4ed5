require("dotenv").config();
const http = require("node:http");
const ms = require("ms");

const target = process.env.RELAY_TARGET || "http://localhost:9999/hooks";
const timeout = ms(process.env.RELAY_TIMEOUT || "10s");

http
  .createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const r = await fetch(target, {
        method: "POST",
        body: Buffer.concat(chunks),
        signal: AbortSignal.timeout(timeout),
      });
      res.statusCode = r.status;
      res.end();
    });
  })
  .listen(7070);
