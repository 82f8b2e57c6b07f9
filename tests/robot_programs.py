"""Robot programs the lab tests share: a pick-and-place cycle that waits for the light curtain (DI[2])."""

PICK_AND_PLACE = """POINT home = (500, 0, 600)
POINT pick_above = (600, -400, 250)
POINT pick = (600, -400, 100)
POINT place_above = (650, 450, 300)
POINT place = (650, 450, 150)
MOVEJ home 100%
WAIT DI[1]
MOVEJ pick_above 100%
MOVEL pick 100%
GRIP
MOVEL pick_above 100%
WAIT DI[2]
MOVEJ place_above 100%
MOVEL place 100%
RELEASE
MOVEL place_above 100%
MOVEJ home 100%
"""
