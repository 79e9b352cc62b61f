// Package ytxsim is a faithful, stateful simulator of the YTX
// cloud-telephony API, for tests, benchmarks, the console demo and the
// "ytxbot sim" command. A *Sim is an http.Handler: serve it with
// httptest.NewServer (or any server) and point the client's BaseURL at it.
//
// # Protocol
//
// The simulator speaks the wire protocol of the project's
// docs/ytx-protocol.md: POST /{version}/sid/{accountSID}/call/{funcURL}?Sign=…
// with the routing of ytx.DefaultEndpoints (overridable through
// Config.Endpoints, merged like the client merges them). A path of another
// shape answers HTTP 404, another method 405. Everything else answers HTTP
// 200 with a YTX envelope, and requests are checked in this order, the first
// failure answering its statusCode:
//
//	-200  account SID of the path unknown
//	-202  Authorization missing, not base64("sid|timestamp"), another SID,
//	      a bad timestamp, or one more than 10 minutes from the Clock (Beijing time)
//	-203  Sign missing or not MD5(sid+token+timestamp) (any letter case)
//	-4    body not a JSON object (bodies are read up to 1 MiB)
//	-3    action missing or unknown, or posted to another action's route
//	-2    a required field missing or empty (appid included; queryMeeting's
//	      confid must be present but may be "")
//	-205  appid not Config.AppID
//	-101  a value refused: credit not an integer > 60, bookmeeting not 0/1/2,
//	      booktime malformed or not in the future, empty parties, a number
//	      listed twice, meetingcount not a positive integer, a confid that is
//	      unknown or in the wrong state (invite/hangup/destroy need an active
//	      meeting, edit/cancel a booked one), a hangup phone that is not a party
//	      being dialed or joined, an invited party already dialed or joined
//	-102  a number YTX would not dial: a mobile ^1[3-9]\d{9}$, a landline
//	      ^0[1-9]\d{1,2}\d{7,8}$ (with a ",1234" extension in meetings only) or
//	      an international 00 number are accepted
//
// Among the value checks, formats come first (bookmeeting, parties, phones),
// references to state last. A parties value that is neither a JSON array nor
// a string holding one answers -4. Scalars may be JSON strings or numbers.
// Shownumber and the optional dial-back fields (srctimeout, …) are accepted
// and ignored.
//
// Success answers follow ytx-protocol §3: createMeeting (now, booked or
// edited) answers statusMsg {"meid","mepwd","meetcallerid"}, cancel and the
// other actions "提交成功", callDailBack a 29-digit requestId. Meeting ids are
// decimal strings from 100001, unique per Sim. The call-record query
// (getCdrByResId on CallCdr.wx) answers {"cdr":[…]} without an envelope:
// with limit "0" (the default) exactly the record of lastresid, with limit N
// up to N records of the calls placed after lastresid; a call still running
// has no record yet. Its errors use the envelope.
//
// # queryMeeting data (the project's assumption)
//
// The vendor does not document data. The simulator answers, for confid set
// (any meetingcount), one object; for confid "", an array of the
// meetingcount most recent meetings, newest first:
//
//	{"meid":"100001","meetingname":"standup","creator":"13800000001",
//	 "state":"booked|active|ended|cancelled",
//	 "booktime":"2026-12-01 10:00" or "",
//	 "starttime":"2026-12-01 10:00:00" or "","endtime":"…" or "",
//	 "parties":[{"name":"alice","phone":"13800000001",
//	   "state":"idle|calling|ringing|joined|left|noanswer|busy",
//	   "jointime":"…","leavetime":"…","reason":"…"}]}
//
// Times are Beijing time, "yyyy-MM-dd HH:mm:ss". Parties of a booked
// meeting are "idle" until it starts.
//
// # Time and the last-digit rule
//
// Nothing happens in real time by itself: state advances on the Clock
// (WithClock; a FakeClock in tests). Every request, Tick and inspection
// method first fires every event due at Clock.Now(), in time order, with
// the time each event was due, so answers agree with the clock even
// without Tick, and a scenario is deterministic under a FakeClock. Run
// ticks every 50 ms of real time, for live use.
//
// A phone's behaviour is chosen by the last digit of its number as sent
// (of the extension, when there is one):
//
//	ends in 9  rings, never answers: noanswer after Ring+NoAnswer
//	ends in 8  busy after Busy
//	ends in 7  answers after Ring+Answer, then hangs up by itself after Leave
//	otherwise  answers after Ring+Answer and stays until hung up
//
// The durations are the Timeline's (DefaultTimeline: realistic;
// DemoTimeline: a few seconds). A meeting created now is active and dials
// every party at once; a booked one starts dialing at its booktime; an
// edit moves it and replaces name, creator and parties; a cancel marks it
// cancelled. invite dials more parties (one that left may be invited again),
// hangupMeeting marks a party left ("hung up"), destroyMeeting marks
// everyone still dialed or joined left and ends the meeting. A meeting also
// ends when, after starting, nobody is being dialed or joined.
//
// A dial-back call rings src; when src answers it rings dst; when dst
// answers the legs talk for min(Timeline.Talk, credit seconds), then both
// hang up. If src does not answer or is busy, dst is never rung; if dst does
// not answer or is busy, src is hung up; if a leg hangs up by itself (7), the
// other is hung up too.
//
// # Pushes
//
// With Config.CallbackURL or WithPushFunc, events queue pushes, and Tick
// delivers them synchronously, in order (WithPushReorder reverses each
// Tick's batch, WithPushDuplicates sends each twice). Failed deliveries are
// logged and recorded (Deliveries), never retried. Dial-back pushes are
// those of ytx-protocol §5: per leg and state change
//
//	{"requestid":"…","dsc":"13800000001","state":"callout|alerting|answer|disconnect",
//	 "stateDesc":"呼叫中|振铃|应答|挂机|无应答|用户忙","timestamp":"yyyy-MM-dd HH:mm:ss"}
//
// and, when the call ends, {"cdr":[{"requestid","appid","fid":4,"caller",
// "called","callerstime","calleretime","calledstime","calledetime",
// "tapesurl":"NoTapes","duration":<seconds of talk>,"oriamount":<0.10 per
// started minute>,"customParm","stateDesc":"应答|正常"}]}, times "" for a leg
// never answered. A call that never bridged has stateDesc "未应答|…"
// (an assumption, like the amount).
//
// Meeting pushes are the project's assumption (the vendor's are unknown):
// per party state change
//
//	{"confid":"100001","CustomParm":"…","phone":"…","state":"alerting|answer|disconnect",
//	 "stateDesc":"…","timestamp":"…"}
//
// and when the meeting ends {"confid":"…","CustomParm":"…","state":"end",
// "timestamp":"…"}. CustomParm echoes the createMeeting CustomParm, or for
// an invited party the invite's (the meeting's when the invite sent none).
//
// # Fault injection
//
// All of these are safe for concurrent use. Latency applies to every
// request; the others to requests that passed authentication and routing,
// and AnyAction ("") matches every action:
//
//   - SetLatency(d) delays every answer by d of real time, before any
//     check; a request whose context ends meanwhile changes nothing.
//   - FailNext(action, code, n): the next n requests answer code and change nothing.
//   - DropNext(action, n, DropBefore): the connection closes without an
//     answer and nothing happens; DropAfter acts first (phones ring), then
//     closes the connection: the client's outcome is unknown.
//   - SetRateLimit(perSecond): a token bucket on the Clock; requests above
//     the rate answer -104 and change nothing.
//   - Gate(action) holds requests before they act until release is called
//     (or their context ends); Held reports how many wait.
//
// Requests, Count, Meeting, Meetings, Call, Pushes and Deliveries inspect
// what happened; they return copies. The simulator never logs nor echoes the
// auth token, the Sign or the callback URL.
package ytxsim
