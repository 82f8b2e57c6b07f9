"""What an analyser does with a record: Hann-windowed spectra, integration, envelope, features.

Amplitudes are RMS per line (a sine of peak A reads A/√2 at its line when it falls on a bin).
With a Hann window, broadband power spreads over 1.5 lines (the noise bandwidth), so
Σ line² / 1.5 is the record's mean square (``HANN_ENBW``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HANN_ENBW = 1.5  # equivalent noise bandwidth of the Hann window, in lines


@dataclass(frozen=True)
class Spectrum:
    """Lines at ``freqs_hz`` (0 … fs/2, spacing ``resolution_hz``) with RMS ``amplitude`` in ``unit``."""

    freqs_hz: np.ndarray
    amplitude: np.ndarray
    unit: str

    @property
    def resolution_hz(self) -> float:
        return float(self.freqs_hz[1] - self.freqs_hz[0])

    def peak_near(self, freq_hz: float, half_width_hz: float) -> tuple[float, float]:
        """(frequency, amplitude) of the highest line within ±``half_width_hz`` of ``freq_hz``."""
        mask = np.abs(self.freqs_hz - freq_hz) <= half_width_hz
        if not mask.any():
            raise ValueError(f"no line within {half_width_hz} Hz of {freq_hz} Hz")
        idx = np.flatnonzero(mask)[np.argmax(self.amplitude[mask])]
        return float(self.freqs_hz[idx]), float(self.amplitude[idx])


def hann(n: int) -> np.ndarray:
    """The periodic Hann window (the FFT convention: it tiles without a double zero)."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def amplitude_spectrum(x: np.ndarray, fs: float, unit: str) -> Spectrum:
    """Hann-windowed single-sided RMS amplitude spectrum of ``x`` sampled at ``fs``."""
    n = len(x)
    w = hann(n)
    peak = np.abs(np.fft.rfft(x * w)) * 2 / w.sum()
    peak[0] /= 2
    if n % 2 == 0:
        peak[-1] /= 2
    rms = peak / math.sqrt(2)
    rms[0] = peak[0]  # DC has no sine to divide
    return Spectrum(np.fft.rfftfreq(n, 1 / fs), rms, unit)


def integrate(x: np.ndarray, fs: float, low_hz: float, high_hz: float) -> np.ndarray:
    """∫x dt in the band [low_hz, high_hz], done in the frequency domain (divide by j2πf),
    the way analysers turn acceleration into velocity without a drifting integral."""
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / fs)
    band = (f >= low_hz) & (f <= high_hz)
    out = np.zeros_like(spectrum)
    out[band] = spectrum[band] / (2j * np.pi * f[band])
    return np.fft.irfft(out, len(x))


def band_pass(x: np.ndarray, fs: float, low_hz: float, high_hz: float) -> np.ndarray:
    """``x`` with every component outside [low_hz, high_hz] removed (FFT masking)."""
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / fs)
    spectrum[(f < low_hz) | (f > high_hz)] = 0
    return np.fft.irfft(spectrum, len(x))


def envelope(x: np.ndarray) -> np.ndarray:
    """|analytic signal| of ``x``: its Hilbert transform via the FFT (negative frequencies dropped)."""
    n = len(x)
    spectrum = np.fft.fft(x)
    h = np.zeros(n)
    h[0] = 1
    if n % 2 == 0:
        h[n // 2] = 1
        h[1:n // 2] = 2
    else:
        h[1:(n + 1) // 2] = 2
    return np.abs(np.fft.ifft(spectrum * h))


def envelope_spectrum(x: np.ndarray, fs: float, low_hz: float, high_hz: float, unit: str) -> Spectrum:
    """Band-pass around a resonance, demodulate, remove the mean, then the amplitude spectrum."""
    env = envelope(band_pass(x, fs, low_hz, high_hz))
    return amplitude_spectrum(env - env.mean(), fs, unit)


def features(x: np.ndarray) -> dict[str, float]:
    """RMS, peak, crest factor (peak / RMS) and kurtosis (3 for Gaussian noise, 1.5 for a sine)."""
    centred = x - x.mean()
    ms = float(np.mean(centred**2))
    rms = math.sqrt(ms)
    peak = float(np.max(np.abs(centred)))
    kurtosis = float(np.mean(centred**4) / ms**2) if ms > 0 else 0.0
    return {"rms": rms, "peak": peak, "crest_factor": peak / rms if rms > 0 else 0.0, "kurtosis": kurtosis}
