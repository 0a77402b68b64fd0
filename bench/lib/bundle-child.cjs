// One packaged bundle in a fresh Node process (bench/fleet-http.ts starts it): requires the bundle,
// invokes its handler once per run against the endpoint of AWS_ENDPOINT_URL, and writes to the
// output file, per run: CPU time of the invocation (user + system, process.cpuUsage), wall time,
// RSS and heap after it, the process's peak RSS so far (resourceUsage().maxRSS), and the CPU time
// of the floor measured in the same process right after: a bare parse of exactly the bodies the
// endpoint answered during the run (the SDK's own XML parser, JSON.parse) and, when the input names
// `sortFloor`, a sort of that many plain literals by one numeric key.
// Usage: node bundle-child.cjs <bundle> <export> <input.json> <output.json>
const { readFileSync, writeFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

const [bundle, exportName, inputFile, outFile] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputFile, 'utf8'));
const endpoint = process.env.AWS_ENDPOINT_URL;

const cpuMs = (u) => (u.user + u.system) / 1000;

const main = async () => {
  const rssBeforeLoad = process.memoryUsage().rss;
  const handler = require(bundle)[exportName];
  const { parseXML } = require('@aws-sdk/xml-builder');
  const rssLoaded = process.memoryUsage().rss;
  const runs = [];
  for (let i = 0; i < input.runs.length; i += 1) {
    await fetch(`${endpoint}/__reseed`);
    const event = input.runs[i];
    const context = {
      functionName: input.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${input.functionName}`,
      memoryLimitInMB: String(input.memoryMb),
      awsRequestId: `bench-${i}`,
      getRemainingTimeInMillis: () => input.timeoutMs,
    };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let outcome;
    try {
      outcome = await handler(event, context);
    } catch (error) {
      outcome = { error: String(error?.message ? error.message : error) };
    }
    const cpu = cpuMs(process.cpuUsage(c0));
    const wall = performance.now() - t0;
    const mem = process.memoryUsage();
    const peakRssKb = process.resourceUsage().maxRSS;
    // What the invocation left alive: after a full collection (node --expose-gc).
    if (typeof global.gc === 'function') global.gc();
    const live = process.memoryUsage();
    const bodies = await (await fetch(`${endpoint}/__bodies`)).json();
    const f0 = process.cpuUsage();
    for (const b of bodies) b.contentType === 'xml' ? parseXML(b.body) : JSON.parse(b.body);
    const parseFloor = cpuMs(process.cpuUsage(f0));
    let sortFloor;
    if (input.sortFloor) {
      const xs = [];
      for (let k = 0; k < input.sortFloor; k += 1) xs.push({ id: `i-${k}`, key: (k * 7919) % input.sortFloor });
      const s0 = process.cpuUsage();
      xs.slice().sort((a, b) => a.key - b.key);
      sortFloor = cpuMs(process.cpuUsage(s0));
    }
    const calls = {};
    for (const b of bodies) calls[b.op] = (calls[b.op] || 0) + 1;
    runs.push({
      cpuMs: cpu,
      wallMs: wall,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      liveHeap: live.heapUsed,
      liveRss: live.rss,
      peakRss: peakRssKb * 1024,
      bytes: bodies.reduce((n, b) => n + Buffer.byteLength(b.body), 0),
      calls,
      parseFloorMs: parseFloor,
      ...(sortFloor === undefined ? {} : { sortFloorMs: sortFloor }),
      outcome: JSON.stringify(outcome).slice(0, 600),
    });
  }
  writeFileSync(outFile, JSON.stringify({ rssBeforeLoad, rssLoaded, runs }));
};

main().catch((error) => {
  process.stderr.write(`${error?.stack ? error.stack : error}\n`);
  process.exitCode = 1;
});
