import "dotenv/config";
import http from "node:http";
import { v4 as uuid } from "uuid";

http
  .createServer((_req, res) => {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ invoice: uuid() }));
  })
  .listen(Number(process.env.PORT ?? 8081));
