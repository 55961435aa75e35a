// room-mesh.js — the full mesh of RTCPeerConnections of a conference room,
// one per other participant, negotiated over the signaling socket as
// protocol v1 says: whoever receives "welcome" offers to every peer in it;
// the others answer the offers they get. Every offer starts a fresh
// connection (tracks change with replaceTrack, never by renegotiation), so
// an offer from a peer that came back replaces the old connection. Trickle
// ICE both ways; candidates that arrive before the remote description wait.
// Crossed offers (two peers both reconnecting) are settled by id: the peer
// with the smaller id gives way. A connection that fails is re-offered by
// the peer with the smaller id.

const FAILED_RETRY_MS = 2_000;
const MAX_VIDEO_BITRATE = 800_000; // bit/s per connection: N-1 copies go up from each browser
const KINDS = ['audio', 'video'];

export class Mesh {
  /**
   * send(msg): to the signaling socket. local(kind): the track to send (or null).
   * onStream(peerId, MediaStream) when a peer's media arrives (the same
   * stream object for the life of a connection); onState(peerId, state) with
   * the RTCPeerConnection's connectionState.
   */
  constructor({ send, local, onStream = () => {}, onState = () => {} }) {
    this.send = send;
    this.local = local;
    this.onStream = onStream;
    this.onState = onState;
    this.selfId = null;
    this.iceServers = [];
    this.links = new Map(); // peer id → { pc, stream, pending, remoteSet, retryTimer }
  }

  configure({ selfId, iceServers }) {
    this.selfId = selfId;
    this.iceServers = Array.isArray(iceServers) ? iceServers : [];
  }

  has(peerId) {
    return this.links.has(peerId);
  }

  peerIds() {
    return [...this.links.keys()];
  }

  link(peerId) {
    return this.links.get(peerId) || null;
  }

  createLink(peerId) {
    this.drop(peerId);
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const link = { pc, stream: new MediaStream(), pending: [], remoteSet: false, retryTimer: null };
    this.links.set(peerId, link);
    pc.addEventListener('icecandidate', (event) => {
      if (this.links.get(peerId) !== link) return;
      const c = event.candidate;
      // null: gathering done. Sent too, so the other side may stop waiting.
      this.send({
        type: 'candidate', to: peerId,
        candidate: c && c.candidate ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : null,
      });
    });
    pc.addEventListener('track', (event) => {
      if (this.links.get(peerId) !== link) return;
      const { track } = event;
      for (const old of link.stream.getTracks()) if (old.kind === track.kind && old !== track) link.stream.removeTrack(old);
      if (!link.stream.getTracks().includes(track)) link.stream.addTrack(track);
      this.onStream(peerId, link.stream);
    });
    pc.addEventListener('connectionstatechange', () => {
      if (this.links.get(peerId) !== link) return;
      this.onState(peerId, pc.connectionState);
      if (pc.connectionState === 'failed') this.scheduleRetry(peerId, link);
      if (pc.connectionState === 'connected') this.tuneSenders(pc);
    });
    this.onStream(peerId, link.stream);
    return link;
  }

  /** The smaller id re-offers a failed connection; the other waits for it. */
  scheduleRetry(peerId, link) {
    if (this.selfId === null || !(this.selfId < peerId)) return;
    window.clearTimeout(link.retryTimer);
    link.retryTimer = window.setTimeout(() => {
      if (this.links.get(peerId) === link && link.pc.connectionState === 'failed') this.offerTo(peerId);
    }, FAILED_RETRY_MS);
  }

  /** A fresh connection to peerId: our offer with audio and video both ways. */
  async offerTo(peerId) {
    const link = this.createLink(peerId);
    const { pc } = link;
    for (const kind of KINDS) pc.addTransceiver(this.local(kind) || kind, { direction: 'sendrecv' });
    try {
      const offer = await pc.createOffer();
      if (this.links.get(peerId) !== link) return;
      await pc.setLocalDescription(offer);
      if (this.links.get(peerId) !== link) return;
      this.send({ type: 'offer', to: peerId, sdp: pc.localDescription.sdp });
    } catch (err) {
      console.warn(`room: offer to ${peerId} failed`, err);
    }
  }

  async onOffer(peerId, sdp) {
    const existing = this.links.get(peerId);
    if (existing && existing.pc.signalingState === 'have-local-offer' && this.selfId !== null && this.selfId > peerId) {
      return; // crossed offers: ours stands, theirs is dropped (they take our offer instead)
    }
    const link = this.createLink(peerId);
    const { pc } = link;
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      if (this.links.get(peerId) !== link) return;
      this.remoteReady(link);
      for (const transceiver of pc.getTransceivers()) {
        const kind = transceiver.receiver.track?.kind;
        if (!KINDS.includes(kind)) continue;
        await transceiver.sender.replaceTrack(this.local(kind) || null);
        transceiver.direction = 'sendrecv';
      }
      const answer = await pc.createAnswer();
      if (this.links.get(peerId) !== link) return;
      await pc.setLocalDescription(answer);
      if (this.links.get(peerId) !== link) return;
      this.send({ type: 'answer', to: peerId, sdp: pc.localDescription.sdp });
    } catch (err) {
      console.warn(`room: answering ${peerId} failed`, err);
    }
  }

  async onAnswer(peerId, sdp) {
    const link = this.links.get(peerId);
    if (!link || link.pc.signalingState !== 'have-local-offer') return; // stale
    try {
      await link.pc.setRemoteDescription({ type: 'answer', sdp });
      if (this.links.get(peerId) === link) this.remoteReady(link);
    } catch (err) {
      console.warn(`room: answer from ${peerId} refused`, err);
    }
  }

  async onCandidate(peerId, candidate) {
    const link = this.links.get(peerId);
    if (!link || !candidate || !candidate.candidate) return;
    if (!link.remoteSet) {
      link.pending.push(candidate);
      return;
    }
    await this.addCandidate(link, candidate);
  }

  async addCandidate(link, candidate) {
    try {
      await link.pc.addIceCandidate(candidate);
    } catch {
      // A candidate of a connection that was replaced meanwhile: harmless.
    }
  }

  remoteReady(link) {
    link.remoteSet = true;
    const pending = link.pending;
    link.pending = [];
    for (const candidate of pending) this.addCandidate(link, candidate);
  }

  async tuneSenders(pc) {
    for (const sender of pc.getSenders()) {
      if (sender.track?.kind !== 'video') continue;
      try {
        const params = sender.getParameters();
        if (!params.encodings || params.encodings.length === 0) continue;
        params.encodings[0].maxBitrate = MAX_VIDEO_BITRATE;
        await sender.setParameters(params);
      } catch {
        // not every browser allows it; the default works
      }
    }
  }

  /** Send track as kind on every connection (no renegotiation). */
  async replaceTrack(kind, track) {
    const jobs = [];
    for (const { pc } of this.links.values()) {
      for (const transceiver of pc.getTransceivers()) {
        if (transceiver.receiver.track?.kind !== kind || transceiver.stopped) continue;
        jobs.push(transceiver.sender.replaceTrack(track || null).catch(() => {}));
      }
    }
    await Promise.all(jobs);
    if (kind === 'video' && track) for (const { pc } of this.links.values()) this.tuneSenders(pc);
  }

  drop(peerId) {
    const link = this.links.get(peerId);
    if (!link) return;
    this.links.delete(peerId);
    window.clearTimeout(link.retryTimer);
    link.pc.close();
  }

  dropAll() {
    for (const peerId of [...this.links.keys()]) this.drop(peerId);
  }

  /** Per peer: connection state and the inbound video/audio figures (tests, the tile's quality dot). */
  async stats() {
    const out = {};
    for (const [peerId, { pc }] of this.links) {
      const entry = { state: pc.connectionState, framesDecoded: 0, audioPackets: 0, videoInbound: 0 };
      try {
        const report = await pc.getStats();
        report.forEach((s) => {
          if (s.type !== 'inbound-rtp') return;
          if (s.kind === 'video') {
            entry.videoInbound += 1;
            entry.framesDecoded += s.framesDecoded || 0;
          } else if (s.kind === 'audio') {
            entry.audioPackets += s.packetsReceived || 0;
          }
        });
      } catch {
        // closed meanwhile
      }
      out[peerId] = entry;
    }
    return out;
  }
}
