"""Vibration of a rotating machine: time waveforms, spectra and envelope spectra, in numpy.

``scenario`` describes machines (speed, bearing geometry, structural resonance, one fault);
``signals`` synthesises their acceleration; ``spectra`` turns a record into the spectra an
analyst reads; ``runner`` runs a scenario and reports metrics and plain result objects.
No Qt, no ``app`` imports, no scipy.
"""
