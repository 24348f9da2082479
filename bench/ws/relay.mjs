// relay.mjs: the peer of the WebSocket chat benchmark. A minimal Node.js chat relay on
// the `ws` package (no compression) speaking the shape of /ws/chat (docs/api.md): hello ->
// welcome; message -> the customer's message echoed with its seq, a fixed canned reply,
// and the ack. No AI, no storage, no rate limit: the least a chat product on Node does
// per message. Usage: node relay.mjs PORT (listens on 127.0.0.1 only).
import { randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
	console.error('usage: node relay.mjs PORT');
	process.exit(2);
}

const CANNED = "Thanks for your message! Our office is open Monday to Friday 7:00-18:00 and " +
	"Saturday 8:00-14:00. A standard AC or furnace tune-up is $129. Is there anything else " +
	'I can help you with?';
const business = { name: 'Brightline Heating, Cooling & Plumbing', phone: '+17045550100' };
let nextConversation = 1;

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false,
	maxPayload: 64 * 1024 });

function error(ws, code, message, ref) {
	ws.send(JSON.stringify({ type: 'error', code, message, ...(ref ? { ref } : {}) }));
}

wss.on('connection', (ws, req) => {
	const url = new URL(req.url, 'http://localhost');
	if (url.pathname !== '/ws/chat' || url.searchParams.get('tenant') !== 'demo') {
		ws.close(1008, 'unknown tenant');
		return;
	}
	let conversation = 0;
	let seq = 0;
	ws.on('message', (data, isBinary) => {
		let m;
		try {
			m = isBinary ? null : JSON.parse(data);
		} catch {
			m = null;
		}
		if (!m || typeof m !== 'object') return error(ws, 'invalid_json', 'messages are JSON objects');
		if (m.type === 'hello') {
			if (conversation) return error(ws, 'invalid', 'hello was already sent');
			conversation = nextConversation++;
			ws.send(JSON.stringify({ type: 'welcome', visitor: randomBytes(32).toString('base64url'),
				conversation, business, owner: 'ai', messages: [] }));
		} else if (!conversation) {
			error(ws, 'hello_required', 'send hello first (and wait for welcome)');
		} else if (m.type === 'message') {
			if (typeof m.client_id !== 'string' || !m.client_id || m.client_id.length > 64)
				return error(ws, 'invalid', 'client_id must be a string of 1 to 64 bytes');
			if (typeof m.text !== 'string' || !m.text)
				return error(ws, 'invalid', 'text must be a non-empty string', m.client_id);
			const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
			const own = ++seq;
			ws.send(JSON.stringify({ type: 'message', seq: own, from: 'customer', text: m.text, at,
				client_id: m.client_id }));
			ws.send(JSON.stringify({ type: 'message', seq: ++seq, from: 'ai', text: CANNED, at }));
			ws.send(JSON.stringify({ type: 'ack', client_id: m.client_id, seq: own }));
		} else if (m.type !== 'typing') {
			error(ws, 'unknown_type', 'unknown message type');
		}
	});
});
wss.on('listening', () => console.log(`relay listening on 127.0.0.1:${port}`));
