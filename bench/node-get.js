// One GET with basic auth, the body on stdout: the Node.js peer of
// `curl -s -u USER:PASSWORD URL`. Usage: node node-get.js URL USER PASSWORD
"use strict";
const http = require("http");

const [url, user, password] = process.argv.slice(2);
http
  .get(url, { auth: `${user}:${password}` }, (res) => {
    const chunks = [];
    res.on("data", (chunk) => chunks.push(chunk));
    res.on("end", () => {
      process.stdout.write(Buffer.concat(chunks));
      process.exitCode = res.statusCode === 200 ? 0 : 1;
    });
  })
  .on("error", (err) => {
    console.error(err.message);
    process.exitCode = 2;
  });
