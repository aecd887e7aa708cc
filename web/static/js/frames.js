// Receive slots reuse one MediaStreamTrack for different people: right
// after a switch the video can still show the previous person's last
// frames, until the new source's keyframe is decoded. hideUntilFrame keeps
// such a video hidden (data-video-waiting, see the CSS) until a frame of
// the new source is rendered: one whose RTP timestamp is at or after the
// slot map's fromTs, where the server says the new source starts. Without
// fromTs (or rtpTimestamp), a frame that arrived after the switch; that
// guess fails on a starved CPU, where the previous person's last packets
// can be read after the map.

// A keyframe takes a round trip and the encoder's time: under 0.6 s
// mostly, but 2–5 s from a publisher whose CPU is starved (a phone, a
// busy PC). Showing the video before then shows the slot's previous
// person under this person's name, which is worse than the avatar a
// little longer. With requestVideoFrameCallback the new frame is seen
// for sure, so the fallback is only for a video that never renders;
// without it, resize/timeupdate events are a guess and the wait shorter.
const FALLBACK_MS = 15000;
const FALLBACK_NO_RVFC_MS = 4000;

/** How waits ended (rtp | frame | event | timeout | cancel) and the last waits in ms, for conferDebug. */
export const frameStats = { rtp: 0, frame: 0, event: 0, timeout: 0, cancel: 0, ms: [] };

/**
 * Marks mark until video renders a new frame, of RTP timestamp fromTs or
 * later when given; returns a cancel function.
 */
export function hideUntilFrame(mark, video, fromTs) {
  const since = performance.now();
  let done = false;
  let handle = 0;
  const finish = (how) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (handle) video.cancelVideoFrameCallback?.(handle);
    video.removeEventListener('resize', onEvent);
    video.removeEventListener('timeupdate', onEvent);
    delete mark.dataset.videoWaiting;
    frameStats[how]++;
    if (how !== 'cancel') frameStats.ms = [...frameStats.ms.slice(-19), Math.round(performance.now() - since)];
  };
  const onEvent = () => finish('event');
  const rvfc = 'requestVideoFrameCallback' in video;
  const timer = setTimeout(() => finish('timeout'), rvfc ? FALLBACK_MS : FALLBACK_NO_RVFC_MS);
  mark.dataset.videoWaiting = 'true';
  if (rvfc) {
    const frame = (now, meta) => {
      handle = 0;
      if (done) return;
      if (fromTs != null && meta.rtpTimestamp != null) {
        // Modulo 2^32: at or after fromTs is the new source's.
        if (((meta.rtpTimestamp - fromTs) >>> 0) < 0x80000000) { finish('rtp'); return; }
      } else if ((meta.receiveTime ?? now) > since) {
        // receiveTime (WebRTC frames): when the frame's last packet arrived.
        finish('frame');
        return;
      }
      handle = video.requestVideoFrameCallback(frame);
    };
    handle = video.requestVideoFrameCallback(frame);
  } else {
    video.addEventListener('resize', onEvent);
    video.addEventListener('timeupdate', onEvent);
  }
  return () => finish('cancel');
}
