"""The sensor signals of a maintained machine, by the names scenarios and alarm rules use."""

SIGNALS = ("vibration", "temperature", "current")  # mm/s RMS, °C, A
