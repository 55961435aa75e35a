// media-meter.js — measurements for the studio: the microphone level
// (WebAudio AnalyserNode, RMS in dBFS) and the outgoing connection from
// RTCPeerConnection.getStats() (bitrate from outbound-rtp bytesSent deltas,
// packet loss and round-trip time from remote-inbound-rtp, the encoder's
// quality limitation), judged against thresholds for "poor connection".

const FLOOR_DB = -60;

/** The level of one audio track, sampled on demand (0..1 and dBFS). */
export class AudioLevel {
  constructor() {
    this.context = null;
    this.source = null;
    this.analyser = null;
    this.buffer = null;
    this.track = null;
  }

  /** Measure track (null: silence). The AudioContext is made once. */
  attach(track) {
    if (this.source) {
      this.source.disconnect();
      this.source = null;
    }
    this.track = track || null;
    if (!track) return;
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!this.context) {
      this.context = new Context();
      this.analyser = this.context.createAnalyser();
      this.analyser.fftSize = 2048;
      this.analyser.smoothingTimeConstant = 0;
      this.buffer = new Float32Array(this.analyser.fftSize);
    }
    this.source = this.context.createMediaStreamSource(new MediaStream([track]));
    this.source.connect(this.analyser); // not to the destination: no echo
  }

  /** Browsers start an AudioContext suspended until a user gesture. */
  resume() {
    if (this.context && this.context.state === 'suspended') this.context.resume().catch(() => {});
  }

  /** { db, level } with level 0..1 over FLOOR_DB..0 dBFS; null without a track. */
  sample() {
    if (!this.source || !this.analyser || !this.track || this.track.readyState !== 'live') return null;
    this.analyser.getFloatTimeDomainData(this.buffer);
    let sum = 0;
    for (let i = 0; i < this.buffer.length; i++) sum += this.buffer[i] * this.buffer[i];
    const rms = Math.sqrt(sum / this.buffer.length);
    const db = rms > 0 ? Math.max(FLOOR_DB, 20 * Math.log10(rms)) : FLOOR_DB;
    return { db, level: (db - FLOOR_DB) / -FLOOR_DB };
  }

  close() {
    this.attach(null);
    if (this.context) this.context.close().catch(() => {});
    this.context = null;
  }
}

// A connection is "poor" past these (bitrate only once the encoder has had
// time to ramp up, and only while video is being sent).
export const THRESHOLDS = {
  minVideoBitrate: 250_000, // bit/s
  rampUpMs: 15_000,
  lowForSamples: 5, // consecutive one-second samples
  maxLoss: 0.05, // fraction of packets
  maxRttS: 0.4,
};

/**
 * Samples the outgoing side of a peer connection. Call sample() about once
 * a second; it returns the figures since the previous call.
 */
export class OutboundStats {
  constructor(pc) {
    this.pc = pc;
    this.previous = null; // { time, bytes, videoBytes }
    this.startedAt = performance.now();
    this.lowSamples = 0;
  }

  async sample() {
    const report = await this.pc.getStats();
    let bytes = 0;
    let videoBytes = 0;
    let packetsSent = 0;
    let loss = null;
    let rtt = null;
    let codecId = null;
    let qualityLimitation = null;
    let frameWidth = null;
    let frameHeight = null;
    let framesPerSecond = null;
    let framesEncoded = 0;
    const codecs = new Map();
    report.forEach((stat) => {
      if (stat.type === 'outbound-rtp') {
        bytes += stat.bytesSent || 0;
        packetsSent += stat.packetsSent || 0;
        if (stat.kind === 'video') {
          videoBytes += stat.bytesSent || 0;
          codecId = stat.codecId || codecId;
          qualityLimitation = stat.qualityLimitationReason || qualityLimitation;
          frameWidth = stat.frameWidth ?? frameWidth;
          frameHeight = stat.frameHeight ?? frameHeight;
          framesPerSecond = stat.framesPerSecond ?? framesPerSecond;
          framesEncoded += stat.framesEncoded || 0;
        }
      } else if (stat.type === 'remote-inbound-rtp') {
        if (Number.isFinite(stat.fractionLost)) loss = Math.max(loss ?? 0, stat.fractionLost);
        if (Number.isFinite(stat.roundTripTime)) rtt = Math.max(rtt ?? 0, stat.roundTripTime);
      } else if (stat.type === 'codec') {
        codecs.set(stat.id, stat.mimeType);
      } else if (stat.type === 'candidate-pair' && stat.nominated && stat.state === 'succeeded'
        && Number.isFinite(stat.currentRoundTripTime) && rtt === null) {
        rtt = stat.currentRoundTripTime;
      }
    });

    const now = performance.now();
    let bitrate = null;
    let videoBitrate = null;
    if (this.previous && now > this.previous.time) {
      const seconds = (now - this.previous.time) / 1000;
      bitrate = Math.max(0, ((bytes - this.previous.bytes) * 8) / seconds);
      videoBitrate = Math.max(0, ((videoBytes - this.previous.videoBytes) * 8) / seconds);
    }
    this.previous = { time: now, bytes, videoBytes };
    return {
      bitrate, videoBitrate, bytesSent: bytes, packetsSent, loss, rtt, qualityLimitation,
      codec: codecId ? codecs.get(codecId) || null : null,
      frameWidth, frameHeight, framesPerSecond, framesEncoded,
    };
  }

  /**
   * Problems worth a warning in sample s: a list of { key, params } for
   * i18n. sendingVideo: whether a video track is being sent.
   */
  problems(s, { sendingVideo = true, iceState = 'connected' } = {}) {
    const problems = [];
    if (iceState === 'disconnected' || iceState === 'failed') problems.push({ key: 'warning.disconnected' });
    const rampedUp = performance.now() - this.startedAt > THRESHOLDS.rampUpMs;
    if (sendingVideo && rampedUp && s.videoBitrate !== null && s.videoBitrate < THRESHOLDS.minVideoBitrate) {
      this.lowSamples += 1;
    } else {
      this.lowSamples = 0;
    }
    if (this.lowSamples >= THRESHOLDS.lowForSamples)
      problems.push({ key: 'warning.lowBitrate', params: { kbps: Math.round((s.videoBitrate || 0) / 1000) } });
    if (s.loss !== null && s.loss > THRESHOLDS.maxLoss)
      problems.push({ key: 'warning.loss', params: { percent: Math.round(s.loss * 100) } });
    if (s.rtt !== null && s.rtt > THRESHOLDS.maxRttS)
      problems.push({ key: 'warning.rtt', params: { ms: Math.round(s.rtt * 1000) } });
    if (s.qualityLimitation === 'cpu') problems.push({ key: 'warning.cpu' });
    return problems;
  }
}
