"""What the product holds about a person, handed over and erased on request (PIPL arts. 45
and 47): ``export.everything_about`` and ``erasure.erase``."""
