// The local S3-compatible server of a bench, in a process of its own: it then
// shares neither event loop nor heap with the bench process (whose garbage
// collection of its own buffers would otherwise pause the reads measured).
// Arguments: <port> <directory>; says 'ready' over IPC; SIGTERM stops it.
import { startLocalS3 } from '../../src/storage/local-s3';

const [port, directory] = process.argv.slice(2);
void startLocalS3({ port: Number(port), directory }).then((server) => {
  process.send!('ready');
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
});
