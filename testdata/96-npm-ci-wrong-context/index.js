const nodemailer = require("nodemailer");

console.log("notifier up", typeof nodemailer.createTransport);
