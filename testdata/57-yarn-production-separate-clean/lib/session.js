const cookie = require("cookie");
const _ = require("lodash");

exports.parseSession = (header) => {
  const parsed = cookie.parse(header || "");
  return _.pick(parsed, ["user", "sid"]);
};
