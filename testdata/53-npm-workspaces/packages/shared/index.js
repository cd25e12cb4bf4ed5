const pc = require("picocolors");

exports.banner = (name) => pc.bold(`[${name}]`);
