// Local camera and microphone, the device lists, and the microphone level
// meter. The PeerConnection that sends them is in publisher.js.

import { local } from './util.js';

const PREF = { audio: 'confer.mic', video: 'confer.camera' };

/** Maps a getUserMedia error to denied | in_use | not_found | unknown. */
export function classify(err) {
  switch (err && err.name) {
    case 'NotAllowedError': case 'SecurityError': case 'PermissionDeniedError': return 'denied';
    case 'NotReadableError': case 'TrackStartError': case 'AbortError': return 'in_use';
    case 'NotFoundError': case 'DevicesNotFoundError': case 'OverconstrainedError': return 'not_found';
    default: return 'unknown';
  }
}

function constraints(kind, deviceId, exact) {
  const id = deviceId ? { deviceId: exact ? { exact: deviceId } : { ideal: deviceId } } : {};
  if (kind === 'audio') return { ...id, echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  return { ...id, width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } };
}

function hint(track) {
  // 'speech' for a voice microphone, 'motion' for a camera (screen share will use 'detail').
  if ('contentHint' in track) track.contentHint = track.kind === 'audio' ? 'speech' : 'motion';
  return track;
}

export class LocalMedia {
  constructor() {
    this.audioTrack = null;
    this.videoTrack = null;
    this.micOn = true;    // the user's wish; a missing track also counts as off
    this.cameraOn = true;
    this.deviceId = { audio: local.get(PREF.audio), video: local.get(PREF.video) };
    this.errors = { audio: null, video: null };
    this.onTrackEnded = null; // (kind) => void
  }

  get supported() { return !!navigator.mediaDevices?.getUserMedia; }
  get audioMuted() { return !this.micOn || !this.audioTrack; }
  get videoMuted() { return !this.cameraOn || !this.videoTrack; }

  /** Starts the wanted devices; returns {audio, video} error codes (null = fine). */
  async open({ audio = this.micOn, video = this.cameraOn } = {}) {
    this.errors = { audio: null, video: null };
    const want = { audio: audio && !this.audioTrack, video: video && !this.videoTrack };
    if (!want.audio && !want.video) return this.errors;
    if (!this.supported) {
      for (const k of ['audio', 'video']) if (want[k]) this.errors[k] = 'insecure';
      return this.errors;
    }
    try {
      const s = await navigator.mediaDevices.getUserMedia({
        audio: want.audio && constraints('audio', this.deviceId.audio),
        video: want.video && constraints('video', this.deviceId.video),
      });
      for (const tr of s.getTracks()) this.adopt(tr);
    } catch (err) {
      if (want.audio && want.video) {
        // Find out which one fails and keep the other.
        for (const k of ['audio', 'video']) {
          try { this.adopt(await this.getTrack(k, this.deviceId[k], false)); } catch (e) { this.errors[k] = classify(e); }
        }
      } else {
        this.errors[want.audio ? 'audio' : 'video'] = classify(err);
      }
    }
    return this.errors;
  }

  async getTrack(kind, deviceId, exact) {
    const s = await navigator.mediaDevices.getUserMedia({ [kind]: constraints(kind, deviceId, exact) });
    return s.getTracks()[0];
  }

  adopt(track) {
    hint(track);
    const kind = track.kind;
    if (kind === 'audio') { this.audioTrack = track; track.enabled = this.micOn; } else this.videoTrack = track;
    track.addEventListener('ended', () => {
      if (this[`${kind}Track`] !== track) return;
      this[`${kind}Track`] = null;
      this.onTrackEnded?.(kind);
    });
    const id = track.getSettings?.().deviceId;
    if (id) { this.deviceId[kind] = id; local.set(PREF[kind], id); }
  }

  setMic(on) {
    this.micOn = on;
    if (this.audioTrack) this.audioTrack.enabled = on;
  }

  /** Camera off stops the track so that the camera light goes off. */
  stopCamera() {
    this.cameraOn = false;
    const tr = this.videoTrack;
    this.videoTrack = null;
    tr?.stop();
  }

  /** Camera on: a new track; returns an error code or null. */
  async startCamera() {
    this.cameraOn = true;
    const errs = await this.open({ audio: false, video: true });
    if (errs.video) this.cameraOn = false;
    return errs.video;
  }

  /** Switches to another device; returns the new track (or throws). */
  async switchDevice(kind, deviceId) {
    this.deviceId[kind] = deviceId;
    local.set(PREF[kind], deviceId);
    const key = `${kind}Track`;
    const old = this[key];
    if (!old) return null; // used next time the device starts
    if (kind === 'video') old.stop(); // phones cannot open two cameras at once
    this[key] = null;
    let track;
    try {
      track = await this.getTrack(kind, deviceId, true);
    } catch (err) {
      if (kind === 'video') track = await this.getTrack(kind, null, false).catch(() => null);
      else this[key] = old;
      if (track) this.adopt(track);
      throw err;
    }
    if (kind === 'audio') old.stop();
    this.adopt(track);
    return track;
  }

  async listDevices() {
    const out = { audioinput: [], videoinput: [] };
    if (!navigator.mediaDevices?.enumerateDevices) return out;
    for (const d of await navigator.mediaDevices.enumerateDevices()) {
      if (out[d.kind] && d.deviceId) out[d.kind].push(d);
    }
    return out;
  }

  stopAll() {
    this.audioTrack?.stop();
    this.videoTrack?.stop();
    this.audioTrack = this.videoTrack = null;
  }
}

/** Microphone level 0..1 from a WebAudio AnalyserNode (self speaking, prejoin meter). */
export class LevelMeter {
  constructor() {
    this.ctx = null;
    this.src = null;
    this.analyser = null;
    this.buf = null;
    this.track = null;
    const resume = () => this.ctx?.state === 'suspended' && this.ctx.resume().catch(() => {});
    window.addEventListener('pointerdown', resume, true);
    window.addEventListener('keydown', resume, true);
  }

  setTrack(track) {
    if (track === this.track) return;
    this.track = track;
    this.src?.disconnect();
    this.src = null;
    if (!track) return;
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    if (!this.ctx) {
      this.ctx = new AC();
      this.analyser = this.ctx.createAnalyser();
      this.analyser.fftSize = 512;
      this.buf = new Float32Array(this.analyser.fftSize);
    }
    this.src = this.ctx.createMediaStreamSource(new MediaStream([track]));
    this.src.connect(this.analyser);
    this.ctx.resume().catch(() => {});
  }

  level() {
    if (!this.src || !this.track?.enabled || this.ctx.state !== 'running') return 0;
    this.analyser.getFloatTimeDomainData(this.buf);
    let sum = 0;
    for (const v of this.buf) sum += v * v;
    return Math.sqrt(sum / this.buf.length);
  }
}
