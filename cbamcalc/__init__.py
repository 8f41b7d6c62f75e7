"""cbamcalc: embedded emissions (SEE) and EU CBAM cost of goods.

The package re-exports the orchestrators, the I/O entry points and the errors; the
domain modules (``cbamcalc.default_values``, ``cbamcalc.electricity``, ...) are imported
by name.
"""

from ._version import __version__
from .errors import CbamError, InputError, OutputError, ReferenceDataError, UnitError

__all__ = ["__version__", "CbamError", "InputError", "UnitError", "ReferenceDataError", "OutputError"]
