const http = require("node:http");
const _ = require("lodash");
const quotes = require("../data/quotes.json");

http
  .createServer((req, res) => {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(_.sample(quotes)));
  })
  .listen(Number(process.env.PORT) || 3000);
