'use strict';

// SPEC §10's second baseline: the `/call dialback` work of ytxbot and of the
// hand-written minimalHandler (adapters/slack/load_test.go), written with
// Slack's Bolt for JavaScript. BenchmarkSlackDialBack -bolt starts it and
// drives it; see docs/LOAD.md.
//
// Bolt's HTTPReceiver checks the signature (signing secret, ±5 min) and parses
// the form. The /call handler looks both people up, makes one signed YTX
// callDailBack request, posts the card with client.chat.postMessage and acks
// with the ephemeral answer the other two sides give.
//
// One difference from minimalHandler: the identity → phone pairs come from a
// JSON file (written by the benchmark) held in a Map, not from bbolt, which
// Node cannot read. A Map lookup is cheaper than a bbolt read, so this favours
// Bolt slightly.
//
// Environment:
//   BOLT_PORT            port to listen on, on 127.0.0.1 (0 = any free port)
//   SLACK_SIGNING_SECRET signing secret of the slash-command requests
//   SLACK_BOT_TOKEN      bot token sent to the Slack Web API
//   SLACK_API_URL        Slack Web API base, ending in "/" (the fake)
//   SLACK_TEAM_ID        the one workspace served
//   YTX_BASE_URL         YTX base URL (the simulator)
//   YTX_ACCOUNT_SID, YTX_AUTH_TOKEN, YTX_APP_ID
//   PHONES_FILE          JSON object: identity ("slack:TEAM:USER") → phone
//   BOLT_EXIT_ON_STDIN_EOF=1  exit when stdin closes (set by the benchmark)
//
// When it listens it prints "ready 127.0.0.1:PORT" on stdout.

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const { App, LogLevel } = require('@slack/bolt');

function env(name) {
  const v = process.env[name];
  if (v === undefined || v === '') {
    console.error(`bolt bench: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const cfg = {
  port: Number(process.env.BOLT_PORT || '0'),
  signingSecret: env('SLACK_SIGNING_SECRET'),
  token: env('SLACK_BOT_TOKEN'),
  slackApiUrl: env('SLACK_API_URL'),
  team: env('SLACK_TEAM_ID'),
  ytxBase: env('YTX_BASE_URL').replace(/\/+$/, ''),
  ytxSID: env('YTX_ACCOUNT_SID'),
  ytxToken: env('YTX_AUTH_TOKEN'),
  ytxApp: env('YTX_APP_ID'),
  phonesFile: env('PHONES_FILE'),
};

const phones = new Map(Object.entries(JSON.parse(fs.readFileSync(cfg.phonesFile, 'utf8'))));

const doneText = 'Done: the status card is in the channel.';
const maxConns = 512; // as the Go side's keep-alive transports

// Keep-alive agents, as the Go side's transports (512 idle connections per host).
const slackAgent = new http.Agent({ keepAlive: true, maxSockets: maxConns, maxFreeSockets: maxConns });
const ytxURL = new URL(cfg.ytxBase);
const ytxHTTP = ytxURL.protocol === 'https:' ? https : http;
const ytxAgent = new ytxHTTP.Agent({ keepAlive: true, maxSockets: maxConns, maxFreeSockets: maxConns });

// --- YTX, as ytx.Client.DialBack sends it (ytx/sign.go, ytx/client.go, ytx/dialback.go) ---

// timestamp is yyyyMMddHHmmss in Beijing time (UTC+8, no DST), like ytx.Timestamp.
function timestamp(ms) {
  const d = new Date(ms + 8 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return (
    String(d.getUTCFullYear()) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) +
    p(d.getUTCHours()) + p(d.getUTCMinutes()) + p(d.getUTCSeconds())
  );
}

// ytxDialBack posts one callDailBack and resolves to the requestId, like
// (*ytx.Client).DialBack with From, To and MaxDuration 30 min (credit 1800).
function ytxDialBack(src, dst) {
  const ts = timestamp(Date.now());
  const sign = crypto.createHash('md5').update(cfg.ytxSID + cfg.ytxToken + ts).digest('hex').toUpperCase();
  const auth = Buffer.from(cfg.ytxSID + '|' + ts).toString('base64');
  // Same fields, order and values as the Go client's dialBackReq (empty optional fields omitted).
  const payload = Buffer.from(JSON.stringify({ action: 'callDailBack', appid: cfg.ytxApp, src, dst, credit: '1800' }));
  const path = ytxURL.pathname.replace(/\/+$/, '') + '/201512/sid/' + encodeURIComponent(cfg.ytxSID) +
    '/call/DailbackCall.wx?Sign=' + sign;
  return new Promise((resolve, reject) => {
    const req = ytxHTTP.request({
      host: ytxURL.hostname,
      port: ytxURL.port,
      method: 'POST',
      path,
      agent: ytxAgent,
      timeout: 10000,
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json;charset=utf-8',
        Authorization: auth,
        'Content-Length': payload.length,
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        let env;
        try {
          env = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch (e) {
          reject(new Error(`ytx: answer is not JSON (HTTP ${res.statusCode})`));
          return;
        }
        // statusCode may come as a string or a number (ytx-protocol §4).
        if (env === null || String(env.statusCode) !== '0') {
          reject(new Error(`ytx: statusCode ${env && env.statusCode}`));
          return;
        }
        resolve(env.requestId === undefined || env.requestId === null ? '' : String(env.requestId));
      });
    });
    req.on('timeout', () => req.destroy(new Error('ytx: timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

function mask(phone) {
  if (phone.length < 8) return '****';
  return phone.slice(0, 3) + '****' + phone.slice(-4);
}

// --- Bolt ---

const app = new App({
  signingSecret: cfg.signingSecret,
  token: cfg.token,
  endpoints: '/slack/commands',
  logLevel: LogLevel.ERROR,
  clientOptions: {
    slackApiUrl: cfg.slackApiUrl,
    agent: slackAgent,
    // The default (100) would queue chat.postMessage at 200 concurrent
    // commands; the Go sides have no such cap.
    maxRequestConcurrency: maxConns,
  },
});

app.command('/call', async ({ command, ack, client }) => {
  const answer = (text) => ack({ response_type: 'ephemeral', text });
  if (command.team_id !== cfg.team) {
    await answer('ytxbot is not enabled in this workspace.');
    return;
  }
  const m = /^dialback\s+<@([^>|]+)(?:\|[^>]*)?>$/.exec(command.text.trim());
  if (m === null) {
    await answer('Usage: /call dialback @someone');
    return;
  }
  const from = phones.get(`slack:${command.team_id}:${command.user_id}`);
  const to = phones.get(`slack:${command.team_id}:${m[1]}`);
  if (!from || !to || from === to) {
    await answer('Both of you need a phone number.');
    return;
  }
  let requestId;
  try {
    requestId = await ytxDialBack(from, to);
  } catch (e) {
    await answer('The call failed.');
    return;
  }
  const mf = mask(from);
  const mt = mask(to);
  try {
    await client.chat.postMessage({
      channel: command.channel_id,
      text: `Call ${mf} → ${mt}: ringing`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*Call* ${mf} → ${mt}\nringing · request ${requestId}` } },
        { type: 'actions', elements: [{ type: 'button', action_id: 'again', text: { type: 'plain_text', text: 'Call again' } }] },
      ],
    });
  } catch (e) {
    await answer('The card could not be posted.');
    return;
  }
  await answer(doneText);
});

app.error(async (error) => {
  console.error('bolt bench: unhandled error:', error && error.message ? error.message : error);
});

(async () => {
  const server = await app.start({ port: cfg.port, host: '127.0.0.1' });
  // Node closes idle keep-alive connections after 5 s by default; the Go
  // server of the other two sides keeps them, and the load client keeps
  // them 5 minutes. Keep them as long, so that the warm-up's connections
  // are still there when the measured runs start.
  server.keepAliveTimeout = 5 * 60 * 1000;
  const addr = server.address();
  process.stdout.write(`ready ${addr.address}:${addr.port}\n`);
})().catch((e) => {
  console.error('bolt bench: start:', e && e.message ? e.message : e);
  process.exit(1);
});

// With BOLT_EXIT_ON_STDIN_EOF=1 (the benchmark sets it and holds the other
// end), exit when stdin closes: the benchmark has ended, even if it died
// without stopping us.
if (process.env.BOLT_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
