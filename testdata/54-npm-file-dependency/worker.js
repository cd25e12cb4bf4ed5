const { v4: uuid } = require("uuid");
const log = require("@acme/logger")("billing-worker");

setInterval(() => {
  log("invoice run", { run: uuid() });
}, 60_000);
log("started");
