const http = require("node:http");
const { parseSession } = require("./lib/session");

http
  .createServer((req, res) => {
    const session = parseSession(req.headers.cookie);
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ user: session.user ?? null }));
  })
  .listen(Number(process.env.PORT) || 9000);
