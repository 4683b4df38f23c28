"""Synthesises the contact center's three notification sounds (R14) into this folder.

Made for this project: plain sine tones with soft attack and decay, so they are short and
pleasant and clearly different from one another. Run: python3 static_site/sounds/synthesize.py
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22_050
HERE = Path(__file__).resolve().parent


def tone(freq: float, seconds: float, volume: float = 0.35) -> list[float]:
    """One note with its second harmonic, a 10 ms attack and an exponential decay."""
    count = int(RATE * seconds)
    attack = int(RATE * 0.01)
    samples = []
    for i in range(count):
        envelope = min(1.0, i / attack) * math.exp(-4.0 * i / count)
        value = math.sin(2 * math.pi * freq * i / RATE) + 0.25 * math.sin(4 * math.pi * freq * i / RATE)
        samples.append(volume * envelope * value / 1.25)
    return samples


def silence(seconds: float) -> list[float]:
    return [0.0] * int(RATE * seconds)


def write(name: str, samples: list[float]) -> None:
    with wave.open(str(HERE / f"{name}.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32_000)) for s in samples))


SOUNDS = {
    # A dialog appears on Waiting or Mine: a rising fifth, C5 then G5.
    "new-dialog": tone(523.25, 0.18) + tone(783.99, 0.32),
    # A lead writes again: one short high blip, A5.
    "new-message": tone(880.0, 0.16, 0.3),
    # Unread for a minute: three even notes, E5 C5 E5, a little longer than the others.
    "reminder": tone(659.25, 0.16) + silence(0.05) + tone(523.25, 0.16) + silence(0.05) + tone(659.25, 0.3),
}

if __name__ == "__main__":
    for sound_name, sound in SOUNDS.items():
        write(sound_name, sound)
