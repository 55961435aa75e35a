// webrtc-http.js — the browser side of WHIP (RFC 9725) and WHEP: POST the
// SDP offer (after a bounded wait for ICE gathering), apply the answer, take
// the ICE servers from the Link headers, trickle late candidates with PATCH
// (application/trickle-ice-sdpfrag, RFC 8840), restart ICE through PATCH +
// If-Match, and DELETE the session resource. Used by the studio (WHIP,
// sendonly) and the watch page (WHEP, recvonly).

const FRAG_TYPE = 'application/trickle-ice-sdpfrag';

/** A non-2xx answer of a WHIP/WHEP endpoint, with its problem+json body. */
export class WebRtcHttpError extends Error {
  constructor({ status = 0, problem = null, retryAfter = null, message = '' } = {}) {
    super(message || problem?.detail || problem?.title || (status ? `HTTP ${status}` : 'network error'));
    this.name = 'WebRtcHttpError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter; // seconds, or null
  }

  /** When the lesson starts (WHEP 409 before the lesson is live), or null. */
  get startsAt() {
    const value = this.problem?.starts_at;
    const when = typeof value === 'string' ? Date.parse(value) : NaN;
    return Number.isNaN(when) ? null : new Date(when);
  }
}

function retryAfterSeconds(response, problem) {
  const fromBody = Number(problem?.retry_after);
  if (Number.isFinite(fromBody) && fromBody > 0) return fromBody;
  const header = response.headers.get('Retry-After');
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const when = Date.parse(header);
  return Number.isNaN(when) ? null : Math.max(0, (when - Date.now()) / 1000);
}

async function errorFrom(response) {
  let problem = null;
  if ((response.headers.get('Content-Type') || '').includes('json')) {
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
  }
  return new WebRtcHttpError({ status: response.status, problem, retryAfter: retryAfterSeconds(response, problem) });
}

async function send(url, init) {
  try {
    return await fetch(url, { credentials: 'same-origin', cache: 'no-store', ...init });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new WebRtcHttpError({ status: 0, message: String(err?.message || err) });
  }
}

/**
 * Watches a new round of ICE gathering (an ICE restart): start it before
 * setLocalDescription, then done(timeoutMs) resolves true once that round
 * has completed — not the previous round, whose "complete" lingers until the
 * new one begins in a later task — or false when timeoutMs passed first.
 */
function gatheringRound(pc) {
  let began = false;
  let finished = false;
  let wake = null;
  const onChange = () => {
    if (pc.iceGatheringState === 'gathering') began = true;
    else if (pc.iceGatheringState === 'complete' && began) finished = true;
    if (finished && wake) wake();
  };
  pc.addEventListener('icegatheringstatechange', onChange);
  return {
    done(timeoutMs) {
      return new Promise((resolve) => {
        const timer = window.setTimeout(() => finish(false), timeoutMs);
        function finish(ok) {
          window.clearTimeout(timer);
          pc.removeEventListener('icegatheringstatechange', onChange);
          resolve(ok);
        }
        wake = () => finish(true);
        if (finished) finish(true);
      });
    },
  };
}

/** Resolves true when gathering completed, false when timeoutMs passed first. */
export function waitIceGathering(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve(true);
  return new Promise((resolve) => {
    let timer = null;
    const onChange = () => {
      if (pc.iceGatheringState === 'complete') finish(true);
    };
    const finish = (complete) => {
      window.clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onChange);
      resolve(complete);
    };
    timer = window.setTimeout(() => finish(false), timeoutMs);
    pc.addEventListener('icegatheringstatechange', onChange);
  });
}

/* ---- Link: <stun:…>; rel="ice-server"; username="…"; credential="…" ---- */

/** Split a header value on commas that are outside <…> and "…". */
function splitLinks(value) {
  const parts = [];
  let current = '';
  let inAngle = false;
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === '\\' && i + 1 < value.length) current += c + value[++i];
      else {
        if (c === '"') inQuote = false;
        current += c;
      }
      continue;
    }
    if (c === '"') inQuote = true;
    else if (c === '<') inAngle = true;
    else if (c === '>') inAngle = false;
    else if (c === ',' && !inAngle) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter(Boolean);
}

/** The RTCIceServer list announced by Link headers (RFC 9725 section 4.6). */
export function parseIceServers(linkHeader) {
  if (!linkHeader) return [];
  const servers = [];
  for (const link of splitLinks(linkHeader)) {
    const match = /^<([^>]*)>(.*)$/.exec(link);
    if (!match) continue;
    const params = {};
    const paramRe = /;\s*([A-Za-z0-9_-]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*)))?/g;
    let p;
    while ((p = paramRe.exec(match[2])) !== null) {
      params[p[1].toLowerCase()] = (p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]) ?? '';
    }
    if ((params.rel || '').toLowerCase().split(/\s+/).indexOf('ice-server') < 0) continue;
    const url = match[1].trim();
    if (!/^(stun|stuns|turn|turns):/i.test(url)) continue;
    const server = { urls: url };
    if (params.username !== undefined) server.username = params.username;
    if (params.credential !== undefined) server.credential = params.credential;
    servers.push(server);
  }
  return servers;
}

/* ---- SDP fragments ------------------------------------------------------ */

function iceCredentials(sdp) {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp);
  const pwd = /^a=ice-pwd:(\S+)/m.exec(sdp);
  return ufrag && pwd ? { ufrag: ufrag[1], pwd: pwd[1] } : null;
}

/** The first m-section of sdp: its m= line and mid (bundle: it carries ICE). */
function firstMedia(sdp) {
  const section = sdp.split(/\r?\n(?=m=)/)[1] || '';
  const mLine = /^m=(\S+) \S+ (\S+) (\S+)/.exec(section);
  const mid = /^a=mid:(\S+)/m.exec(section);
  if (!mLine) return null;
  return { media: mLine[1], proto: mLine[2], fmt: mLine[3], mid: mid ? mid[1] : '0' };
}

/** An RFC 8840 fragment: credentials, the first m-line, candidate lines. */
function buildFragment(localSdp, candidateLines, ended) {
  const creds = iceCredentials(localSdp);
  const media = firstMedia(localSdp);
  if (!creds || !media) return null;
  const lines = [`a=ice-ufrag:${creds.ufrag}`, `a=ice-pwd:${creds.pwd}`,
    `m=${media.media} 9 ${media.proto} ${media.fmt}`, `a=mid:${media.mid}`];
  for (const candidate of candidateLines) lines.push(candidate.startsWith('a=') ? candidate : `a=${candidate}`);
  if (ended) lines.push('a=end-of-candidates');
  return `${lines.join('\r\n')}\r\n`;
}

/** Candidate lines of the first m-section of sdp. */
function candidatesOf(sdp) {
  const section = sdp.split(/\r?\n(?=m=)/)[1] || '';
  return section.split(/\r?\n/).filter((line) => line.startsWith('a=candidate:'));
}

/**
 * The remote description after an ICE restart: the answer fragment's
 * credentials replace the old ones everywhere, its candidates replace the old
 * candidates of the first m-section.
 */
function applyAnswerFragment(remoteSdp, fragment) {
  const creds = iceCredentials(fragment);
  if (!creds) throw new WebRtcHttpError({ message: 'the ICE restart answer has no ice-ufrag/ice-pwd' });
  const candidates = fragment.split(/\r?\n/).filter((line) => line.startsWith('a=candidate:'));
  const sections = remoteSdp.split(/\r\n(?=m=)/);
  const out = sections.map((section, index) => {
    let lines = section.split('\r\n')
      .map((line) => line.replace(/^a=ice-ufrag:.*/, `a=ice-ufrag:${creds.ufrag}`)
        .replace(/^a=ice-pwd:.*/, `a=ice-pwd:${creds.pwd}`))
      .filter((line) => !(index > 0 && (line.startsWith('a=candidate:') || line === 'a=end-of-candidates')));
    if (index === 1 && candidates.length > 0) {
      const trailing = lines[lines.length - 1] === '' ? lines.pop() : null;
      lines = lines.concat(candidates);
      if (trailing !== null) lines.push(trailing);
    }
    return lines.join('\r\n');
  });
  return out.join('\r\n');
}

/* ---- one WHIP/WHEP session ----------------------------------------------- */

/**
 * A WHIP or WHEP session for pc, which must already carry its transceivers.
 * start() negotiates; restartIce() and stop() act on the session resource.
 */
export class WebRtcHttpSession {
  constructor(pc, endpoint, { token = null, gatherTimeoutMs = 1500 } = {}) {
    this.pc = pc;
    this.endpoint = new URL(endpoint, window.location.href).href;
    this.token = token;
    this.gatherTimeoutMs = gatherTimeoutMs;
    this.location = null;
    this.etag = null;
    this.iceServers = [];
    this.trickle = true;
    this.pending = [];
    this.ended = false;
    this.flushing = null;
    this.holding = false; // an ICE restart is in flight: trickle after it
    this.endSent = false; // a=end-of-candidates went out for the current credentials
    this.onCandidate = (event) => this.queueCandidate(event.candidate);
  }

  headers(contentType) {
    const headers = { 'Content-Type': contentType };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return headers;
  }

  /** Offer, POST, answer. Rejects with WebRtcHttpError on an HTTP error. */
  async start({ signal } = {}) {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    const complete = await waitIceGathering(this.pc, this.gatherTimeoutMs);
    const sdp = this.pc.localDescription.sdp;
    // Candidates surfacing from now on are not in sdp: trickle them.
    if (!complete) this.pc.addEventListener('icecandidate', this.onCandidate);

    const response = await send(this.endpoint, {
      method: 'POST', headers: this.headers('application/sdp'), body: sdp, signal,
    });
    if (response.status !== 201 && response.status !== 200) {
      this.pc.removeEventListener('icecandidate', this.onCandidate);
      throw await errorFrom(response);
    }
    const location = response.headers.get('Location');
    const answer = await response.text();
    if (!location) throw new WebRtcHttpError({ status: response.status, message: 'the answer has no Location' });
    this.location = new URL(location, response.url || this.endpoint).href;
    this.etag = response.headers.get('ETag');
    this.iceServers = parseIceServers(response.headers.get('Link'));
    if (this.iceServers.length > 0) {
      // Used from the next ICE restart on (RFC 9725 section 4.6).
      try {
        this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: this.iceServers });
      } catch {
        // A server the browser does not accept: keep the host candidates.
      }
    }
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    this.flush();
  }

  queueCandidate(candidate) {
    if (candidate === null || candidate.candidate === '') this.ended = !this.endSent;
    else if (candidate.sdpMLineIndex === 0 || candidate.sdpMid === firstMedia(this.pc.localDescription?.sdp || '')?.mid)
      this.pending.push(candidate.candidate);
    if (this.location && !this.holding) window.setTimeout(() => this.flush(), 0);
  }

  /** PATCH the queued candidates (one request at a time). */
  async flush() {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      while (this.location && this.trickle && !this.holding && (this.pending.length > 0 || this.ended)) {
        const lines = this.pending.splice(0);
        const ended = this.ended;
        this.ended = false;
        if (ended) this.endSent = true;
        const fragment = buildFragment(this.pc.localDescription?.sdp || '', lines, ended);
        if (!fragment) break;
        const headers = this.headers(FRAG_TYPE);
        if (this.etag) headers['If-Match'] = this.etag;
        let response;
        try {
          response = await send(this.location, { method: 'PATCH', headers, body: fragment });
        } catch {
          break; // the connection state tells the page if ICE fails
        }
        // 405/501: no trickle here; the candidates in the offer must do.
        if ([400, 405, 415, 422, 501].includes(response.status)) this.trickle = false;
        if (ended) this.pc.removeEventListener('icecandidate', this.onCandidate);
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /**
   * ICE restart (new credentials through PATCH + If-Match): the same session
   * carries on over a new path. Rejects when the server refuses it; the
   * caller then starts a new session.
   */
  async restartIce() {
    if (!this.location) throw new WebRtcHttpError({ message: 'no session' });
    this.holding = true;
    try {
      await this.flushing; // a trickle PATCH in flight goes first
      this.pc.addEventListener('icecandidate', this.onCandidate);
      const offer = await this.pc.createOffer({ iceRestart: true });
      const round = gatheringRound(this.pc);
      await this.pc.setLocalDescription(offer);
      const complete = await round.done(this.gatherTimeoutMs);
      // The candidates so far are in the fragment; later ones trickle after.
      const local = this.pc.localDescription.sdp;
      this.pending = [];
      this.ended = false;
      this.endSent = complete;
      const fragment = buildFragment(local, candidatesOf(local), complete);
      const headers = this.headers(FRAG_TYPE);
      headers['If-Match'] = this.etag || '*';
      const response = await send(this.location, { method: 'PATCH', headers, body: fragment });
      if (response.status !== 200) {
        await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => {});
        this.pending = []; // gathered for the offer just rolled back
        this.ended = false;
        throw await errorFrom(response);
      }
      this.etag = response.headers.get('ETag') || this.etag;
      const answerFragment = await response.text();
      const remote = applyAnswerFragment(this.pc.remoteDescription.sdp, answerFragment);
      await this.pc.setRemoteDescription({ type: 'answer', sdp: remote });
    } finally {
      this.holding = false;
    }
    this.flush();
  }

  /**
   * DELETE the session resource. keepalive lets it outlive the page
   * (pagehide). Errors are reported, not thrown: the session is over anyway.
   */
  async stop({ keepalive = false } = {}) {
    this.pc.removeEventListener('icecandidate', this.onCandidate);
    const location = this.location;
    this.location = null;
    if (!location) return null;
    const headers = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    try {
      const response = await fetch(location, { method: 'DELETE', headers, keepalive, credentials: 'same-origin' });
      return response.status;
    } catch {
      return 0;
    }
  }
}

/**
 * Put H.264 (packetization-mode=1; constrained baseline, baseline, main)
 * first in a video transceiver's codec list, keeping every other codec as a
 * fallback: HLS and the recording need H.264, VP8 still works for WebRTC.
 */
export function preferH264(transceiver) {
  if (typeof transceiver.setCodecPreferences !== 'function') return false;
  const rank = (codec) => {
    if (codec.mimeType.toLowerCase() !== 'video/h264') return 10;
    const fmtp = codec.sdpFmtpLine || '';
    if (!/packetization-mode=1/.test(fmtp)) return 9;
    const profile = /profile-level-id=([0-9a-f]{6})/i.exec(fmtp)?.[1]?.toLowerCase() || '';
    if (profile.startsWith('42e0')) return 0; // constrained baseline
    if (profile.startsWith('4200')) return 1; // baseline
    if (profile.startsWith('4d00')) return 2; // main
    return 8;
  };
  for (const source of [window.RTCRtpSender, window.RTCRtpReceiver]) {
    const codecs = source?.getCapabilities?.('video')?.codecs;
    if (!codecs || !codecs.some((codec) => rank(codec) < 8)) continue;
    const sorted = codecs.map((codec, index) => ({ codec, index }))
      .sort((a, b) => rank(a.codec) - rank(b.codec) || a.index - b.index)
      .map(({ codec }) => codec);
    try {
      transceiver.setCodecPreferences(sorted);
      return true;
    } catch {
      // Older browsers accept only receiver capabilities: try those next.
    }
  }
  return false;
}
