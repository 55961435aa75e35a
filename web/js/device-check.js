// device-check.js — the local camera, microphone and screen of the room page:
// the device check before joining (camera and microphone selects, preview,
// level meter through media-meter.js's AudioLevel) and, in the room, the
// mute / camera / screen-share toggles. The current outgoing tracks are
// reported through onTrack(kind, track) so the mesh can replaceTrack() them
// on every connection without renegotiation.

import { fillSelect } from './dom.js';
import { t } from './i18n.js';
import { AudioLevel } from './media-meter.js';

const VIDEO_CONSTRAINTS = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } };
const AUDIO_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/** A media error as an i18n { key, params } for what ("room.what.camera"). */
export function mediaErrorMessage(err, what) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return { key: 'room.media.denied', params: { what: t(what) } };
    case 'NotFoundError':
    case 'OverconstrainedError':
      return { key: 'room.media.notFound', params: { what: t(what) } };
    case 'NotReadableError':
    case 'AbortError':
      return { key: 'room.media.busy', params: { what: t(what) } };
    default:
      return { key: 'room.media.failed', params: { what: t(what), detail: String(err?.message || err) } };
  }
}

export class LocalMedia {
  /** onTrack(kind, track|null): the track to send changed. onError({key, params}). */
  constructor({ onTrack = () => {}, onError = () => {}, onChange = () => {} } = {}) {
    this.onTrack = onTrack;
    this.onError = onError;
    this.onChange = onChange;
    this.stream = new MediaStream(); // what the self view shows
    this.camera = null; // the camera track (kept while the screen is shared)
    this.mic = null;
    this.screen = null;
    this.cameraId = null;
    this.micId = null;
    this.micMuted = false;
    this.cameraOff = false;
    this.level = new AudioLevel();
    this.switching = false;
  }

  /** The track sent as video: the screen while shared, else the camera unless off. */
  get videoTrack() {
    if (this.screen) return this.screen;
    return this.cameraOff ? null : this.camera;
  }

  get audioTrack() {
    return this.mic;
  }

  get sharing() {
    return Boolean(this.screen);
  }

  /** What the others are told ({"type":"media"}). */
  get mediaState() {
    return {
      audio: Boolean(this.mic) && !this.micMuted,
      video: Boolean(this.videoTrack) && !this.screen,
      screen: Boolean(this.screen),
    };
  }

  syncStream() {
    const wanted = [this.videoTrack, this.mic].filter(Boolean);
    for (const track of this.stream.getTracks()) if (!wanted.includes(track)) this.stream.removeTrack(track);
    for (const track of wanted) if (!this.stream.getTracks().includes(track)) this.stream.addTrack(track);
  }

  emit(kind) {
    this.syncStream();
    this.onTrack(kind, kind === 'video' ? this.videoTrack : this.mic);
    this.onChange();
  }

  /** First start: camera and microphone with one permission prompt. */
  async start() {
    let stream = null;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: VIDEO_CONSTRAINTS, audio: AUDIO_CONSTRAINTS });
    } catch (err) {
      // One of the two may still work on its own.
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: AUDIO_CONSTRAINTS });
        this.onError(mediaErrorMessage(err, 'room.what.camera'));
      } catch {
        try {
          stream = await navigator.mediaDevices.getUserMedia({ video: VIDEO_CONSTRAINTS });
          this.onError(mediaErrorMessage(err, 'room.what.mic'));
        } catch (err3) {
          this.onError(mediaErrorMessage(err3, 'room.what.camera'));
        }
      }
    }
    this.camera = stream?.getVideoTracks()[0] || null;
    this.mic = stream?.getAudioTracks()[0] || null;
    this.cameraId = this.camera?.getSettings?.().deviceId || null;
    this.micId = this.mic?.getSettings?.().deviceId || null;
    this.level.attach(this.mic);
    this.syncStream();
    this.onChange();
  }

  /** Fill the camera and microphone selects with what the browser has. */
  async listDevices(cameraSelect, micSelect) {
    let devices = [];
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      devices = [];
    }
    const cameras = devices.filter((d) => d.kind === 'videoinput');
    const mics = devices.filter((d) => d.kind === 'audioinput');
    const cameraOptions = cameras.map((d, i) => [d.deviceId, d.label || t('room.cameraN', { n: i + 1 })]);
    const micOptions = mics.map((d, i) => [d.deviceId, d.label || t('room.micN', { n: i + 1 })]);
    if (cameraOptions.length === 0) cameraOptions.push(['', t('room.noCamera')]);
    if (micOptions.length === 0) micOptions.push(['', t('room.noMic')]);
    fillSelect(cameraSelect, cameraOptions, false);
    fillSelect(micSelect, micOptions, false);
    if (this.cameraId && cameraOptions.some(([id]) => id === this.cameraId)) cameraSelect.value = this.cameraId;
    if (this.micId && micOptions.some(([id]) => id === this.micId)) micSelect.value = this.micId;
    cameraSelect.disabled = cameras.length === 0;
    micSelect.disabled = mics.length === 0;
  }

  async switchCamera(deviceId) {
    if (this.switching || !deviceId || deviceId === this.cameraId) return;
    this.switching = true;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { ...VIDEO_CONSTRAINTS, deviceId: { exact: deviceId } },
      });
      const old = this.camera;
      this.camera = stream.getVideoTracks()[0];
      this.cameraId = deviceId;
      this.cameraOff = false;
      if (old) old.stop();
      this.emit('video');
    } catch (err) {
      this.onError(mediaErrorMessage(err, 'room.what.camera'));
    } finally {
      this.switching = false;
    }
  }

  async switchMic(deviceId) {
    if (!deviceId || deviceId === this.micId) return;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { ...AUDIO_CONSTRAINTS, deviceId: { exact: deviceId } },
      });
      const old = this.mic;
      this.mic = stream.getAudioTracks()[0];
      this.mic.enabled = !this.micMuted;
      this.micId = deviceId;
      this.level.attach(this.mic);
      if (old) old.stop();
      this.emit('audio');
    } catch (err) {
      this.onError(mediaErrorMessage(err, 'room.what.mic'));
    }
  }

  /** Mute keeps the track (silence is sent): no new permission to unmute. */
  setMuted(muted) {
    this.micMuted = muted;
    if (this.mic) this.mic.enabled = !muted;
    this.onChange();
  }

  /** Camera off stops the camera (its light goes out); on opens it again. */
  async setCameraOff(off) {
    if (off === this.cameraOff && (off || this.camera)) return;
    if (off) {
      this.cameraOff = true;
      if (this.camera) this.camera.stop();
      this.camera = null;
      this.emit('video');
      return;
    }
    try {
      const video = this.cameraId ? { ...VIDEO_CONSTRAINTS, deviceId: { ideal: this.cameraId } } : VIDEO_CONSTRAINTS;
      const stream = await navigator.mediaDevices.getUserMedia({ video });
      this.camera = stream.getVideoTracks()[0];
      this.cameraId = this.camera.getSettings?.().deviceId || this.cameraId;
      this.cameraOff = false;
      this.emit('video');
    } catch (err) {
      this.onError(mediaErrorMessage(err, 'room.what.camera'));
      this.onChange();
    }
  }

  /** Share the screen instead of the camera; "stop sharing" in the browser's bar ends it too. */
  async startScreen() {
    if (this.screen || !navigator.mediaDevices.getDisplayMedia) return;
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({
        video: { frameRate: { ideal: 15, max: 30 }, width: { max: 1920 }, height: { max: 1080 } }, audio: false,
      });
      const track = stream.getVideoTracks()[0];
      track.contentHint = 'detail';
      track.addEventListener('ended', () => {
        if (this.screen === track) this.stopScreen();
      });
      this.screen = track;
      this.emit('video');
    } catch (err) {
      if (err?.name !== 'NotAllowedError') this.onError(mediaErrorMessage(err, 'room.what.screen'));
      this.onChange();
    }
  }

  stopScreen() {
    if (!this.screen) return;
    const track = this.screen;
    this.screen = null;
    track.stop();
    this.emit('video');
  }

  /** 0..1 and dBFS of the microphone, null without one. */
  sampleLevel() {
    return this.micMuted ? null : this.level.sample();
  }

  resumeAudio() {
    this.level.resume();
  }

  close() {
    for (const track of [this.camera, this.mic, this.screen]) if (track) track.stop();
    this.camera = null;
    this.mic = null;
    this.screen = null;
    this.syncStream();
    this.level.close();
  }
}
