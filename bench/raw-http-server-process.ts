// A bare node:http server run as its own process: it reads each request's body and answers 202 with a
// small JSON body, nothing else (no authentication, no parsing, no Kafka). The HTTP transport's own
// limit for one-event webhooks on this machine, to set the ingest process against in the same run.
import { createServer } from 'node:http';

const ACCEPTED = '{"accepted":1}';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': ACCEPTED.length });
    res.end(ACCEPTED);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.INGEST_PORT), '127.0.0.1', () => console.log('ingest listening'));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
