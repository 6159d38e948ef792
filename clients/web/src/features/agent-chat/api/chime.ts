// The new-chat chime, synthesised with WebAudio (no sound file to download): two short soft notes.

let context: AudioContext | undefined;

/** Plays the chime; silently nothing when the browser has no audio or blocks it before any click. */
export function playChime(): void {
  try {
    context ??= new AudioContext();
    const audio = context;
    if (audio.state === "suspended") {
      void audio.resume();
    }
    const start = audio.currentTime + 0.02;
    for (const [offset, frequency] of [
      [0, 880],
      [0.16, 1318.5],
    ] as const) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      // A quick rise and a gentle fall: no click at the start, nothing harsh.
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.18, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.35);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.4);
    }
  } catch {
    // No WebAudio (or it is disabled): the title badge still tells.
  }
}
