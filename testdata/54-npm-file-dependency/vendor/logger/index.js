// Vendored copy of the internal logger, pinned until the registry mirror is back.
module.exports = (name) => (msg, fields = {}) =>
  console.log(JSON.stringify({ t: new Date().toISOString(), name, msg, ...fields }));
