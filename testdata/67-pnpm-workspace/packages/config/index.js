const pc = require("picocolors");

module.exports = {
  port: Number(process.env.PORT) || 3000,
  label: pc.cyan("fleet"),
};
