"""Distances on the Earth's surface, for the check-in radius."""

import math

# The mean radius (IUGG): on the scale of a check-in radius the sphere is off by well under 1%.
EARTH_RADIUS_M = 6_371_008.8


def distance_m(latitude_1: float, longitude_1: float, latitude_2: float, longitude_2: float) -> float:
    """The great-circle distance in metres between two points (haversine). Both points come in
    the same datum (GCJ-02 from wx.getLocation and from the organiser's map pick), so the offset
    GCJ-02 adds to WGS-84 cancels out."""
    phi_1, phi_2 = math.radians(latitude_1), math.radians(latitude_2)
    d_phi = phi_2 - phi_1
    d_lambda = math.radians(longitude_2 - longitude_1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi_1) * math.cos(phi_2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
