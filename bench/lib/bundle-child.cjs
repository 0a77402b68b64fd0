// One packaged bundle in a fresh Node process (bench/fleet-http.ts starts it): requires the bundle,
// invokes its handler once per run against the endpoint of AWS_ENDPOINT_URL, and writes to the
// output file, per run: CPU time of the invocation (user + system, process.cpuUsage), wall time,
// RSS and heap after it, the process's peak RSS so far (resourceUsage().maxRSS), and the CPU time
// of the floors, measured in the same process after the last invocation: a bare parse of exactly
// the bodies the endpoint answered during the run (the SDK's own XML parser, JSON.parse) and, when
// the input names `sortFloor`, a sort of that many plain literals by one numeric key (the least of three).
// Usage: node bundle-child.cjs <bundle> <export> <input.json> <output.json>
const { readFileSync, writeFileSync } = require('node:fs');
const { performance, PerformanceObserver, constants: perf } = require('node:perf_hooks');

const [bundle, exportName, inputFile, outFile] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputFile, 'utf8'));
// The events as JSON files, each read and parsed just before its invocation (outside the measured
// window), as the Lambda runtime reads and parses the one event it is handed: the heap holds one
// event at a time, not all of them. As objects, thirteen events of 30,000 candidates were ~80 MB
// that every full collection of the function's heap had to mark; as texts kept in an array, twenty-
// four were ~106 MB of strings no Lambda holds, which V8 counted as live old space when it sized the
// next full collection's limit (fewer full collections than the function has).
const eventFiles = input.runs.map((event, i) => {
  const file = `${outFile}.event-${i}.json`;
  writeFileSync(file, JSON.stringify(event));
  return file;
});
input.runs = undefined;
// A fresh sandbox's heap holds none of the above: collected before the bundle loads (no compiled code yet to lose).
if (typeof global.gc === 'function') global.gc();
const endpoint = process.env.AWS_ENDPOINT_URL;

const cpuMs = (u) => (u.user + u.system) / 1000;

// The collections V8 reports (https://nodejs.org/api/perf_hooks.html#garbage-collection-gc-details):
// per invocation, how many young (scavenge) and full (mark-sweep-compact) collections ended in it,
// and their main-thread time (their concurrent marking on other threads is in the CPU time, not here).
let collections = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) collections.push({ kind: e.detail?.kind, ms: e.duration });
}).observe({ entryTypes: ['gc'] });
const countCollections = (list) => ({
  young: list.filter((c) => c.kind === perf.NODE_PERFORMANCE_GC_MINOR).length,
  full: list.filter((c) => c.kind === perf.NODE_PERFORMANCE_GC_MAJOR).length,
  ms: list.reduce((sum, c) => sum + c.ms, 0),
});

/** An idle pause long enough for V8's background threads to finish what is pending. */
const SETTLE_MS = 100;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

// The function's log lines (Powertools writes JSON to stdout): kept per run for the decision line.
let logged = [];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  logged.push(String(chunk));
  return write(chunk, ...rest);
};

/** The outcome the function's decision log line states (e.g. decided, fallback, swept). */
const decisionOf = (lines) => {
  for (const text of lines.join('').split('\n').reverse()) {
    if (!text.includes('"outcome"')) continue;
    try {
      const line = JSON.parse(text);
      const d = line.decision ?? line;
      if (d.outcome) return `${d.outcome}${d.reason ? `: ${String(d.reason).slice(0, 160)}` : ''}`;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
};

// The floors are functions of their own: V8 compiles a function once it is hot, and a loop in
// `main` would have it compile `main` again on a background thread, counted in the next invocation.

/** CPU time of a bare parse of the bodies the endpoint answered (the SDK's own XML parser, JSON.parse). */
const measureParseFloor = (bodies, parseXML) => {
  const f0 = process.cpuUsage();
  for (const b of bodies) b.contentType === 'xml' ? parseXML(b.body) : JSON.parse(b.body);
  return cpuMs(process.cpuUsage(f0));
};

/**
 * CPU time of a sort of `n` plain literals `{ id, key }` by their numeric key: the least of three
 * sorts of fresh copies (the first sorts of a process run its comparator unoptimized; a floor is the
 * sort at its cheapest).
 */
const measureSortFloor = (n) => {
  const xs = [];
  for (let k = 0; k < n; k += 1) xs.push({ id: `i-${k}`, key: (k * 7919) % n });
  let least = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round += 1) least = Math.min(least, sortOnce(xs));
  return least;
};

const sortOnce = (xs) => {
  const copy = xs.slice();
  const s0 = process.cpuUsage();
  copy.sort((a, b) => a.key - b.key);
  return cpuMs(process.cpuUsage(s0));
};

/**
 * One invocation as the Lambda runtime makes it: the event read and parsed from its JSON just before
 * (outside the measured window), the handler called and its result serialized (inside it: the runtime posts
 * the result as JSON, CPU the invocation spends: the runtime API's "Next invocation" hands one
 * event as a JSON document and "Invocation response" takes the result as a body,
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). The event and the result are this function's
 * locals, garbage once it returns, as in Lambda, whose runtime keeps neither past the invocation:
 * held by the loop through the settle and the floors, they were copied by young collections there
 * that Lambda would not make copy them.
 */
const invoke = async (handler, eventFile, i) => {
  const event = JSON.parse(readFileSync(eventFile, 'utf8'));
  const context = {
    functionName: input.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${input.functionName}`,
    memoryLimitInMB: String(input.memoryMb),
    awsRequestId: `bench-${i}`,
    getRemainingTimeInMillis: () => input.timeoutMs,
  };
  logged = [];
  collections = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let response;
  try {
    response = JSON.stringify((await handler(event, context)) ?? null);
  } catch (error) {
    response = JSON.stringify({ error: String(error?.message ? error.message : error) });
  }
  return { c0, wall: performance.now() - t0, response };
};

const main = async () => {
  const rssBeforeLoad = process.memoryUsage().rss;
  const handler = require(bundle)[exportName];
  const { parseXML } = require('@aws-sdk/xml-builder');
  const rssLoaded = process.memoryUsage().rss;
  const runs = [];
  for (let i = 0; i < eventFiles.length; i += 1) {
    await fetch(`${endpoint}/__reseed`);
    const { c0, wall, response } = await invoke(handler, eventFiles[i], i);
    // V8 finishes some of an invocation's work on its own threads after the handler returns
    // (concurrent marking and sweeping, optimizing compilation): it is the invocation's CPU, so it is
    // counted once it has settled. (Lambda bills it too: a frozen sandbox resumes it in the next
    // invocation.) The pause itself costs no CPU.
    await settle();
    const cpu = cpuMs(process.cpuUsage(c0));
    const gc = countCollections(collections);
    const mem = process.memoryUsage();
    const peakRssKb = process.resourceUsage().maxRSS;
    // What the invocation left alive: after a full collection (node --expose-gc). With
    // `liveHeapAfter: 'last'` only after the last invocation: a forced full collection also ages
    // and drops V8's compiled code, which Lambda never does between invocations, and the next
    // invocation then spends tens of milliseconds compiling it again.
    const collect = typeof global.gc === 'function' && (input.liveHeapAfter !== 'last' || i === eventFiles.length - 1);
    if (collect) global.gc();
    const live = collect ? process.memoryUsage() : { heapUsed: null, rss: null };
    runs.push({
      cpuMs: cpu,
      wallMs: wall,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      liveHeap: live.heapUsed,
      liveRss: live.rss,
      peakRss: peakRssKb * 1024,
      gc,
      outcome: response.slice(0, 600),
      decision: decisionOf(logged),
    });
  }
  // The floors, after the last invocation, in the same process: between invocations the child does
  // nothing a Lambda sandbox does not (frozen until its next event). Measured between them, the
  // floors' garbage (the bodies fetched and parsed again, the literals sorted: megabytes a run at
  // 30,000 candidates) filled the young generation the function's own garbage fills, and the
  // collections it brought on landed in the invocations.
  for (let i = 0; i < runs.length; i += 1) {
    // The floors are measured on a quiet process: background work (a forced collection's, the
    // previous floors') first settles.
    await settle();
    const bodies = await (await fetch(`${endpoint}/__bodies/${i}`)).json();
    const run = runs[i];
    run.bytes = bodies.reduce((n, b) => n + Buffer.byteLength(b.body), 0);
    run.calls = {};
    for (const b of bodies) run.calls[b.op] = (run.calls[b.op] || 0) + 1;
    run.parseFloorMs = measureParseFloor(bodies, parseXML);
    if (input.sortFloor) run.sortFloorMs = measureSortFloor(input.sortFloor);
  }
  writeFileSync(outFile, JSON.stringify({ rssBeforeLoad, rssLoaded, runs }));
};

main().catch((error) => {
  process.stderr.write(`${error?.stack ? error.stack : error}\n`);
  process.exitCode = 1;
});
