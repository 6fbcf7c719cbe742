"""phuxanh: content campaigns for external-communications (TTĐN) offices.

Directives become themes and a calendar; templates become cards and clips; staff approve
each exact version; approved items go out once to the office's own official channels;
metrics come back into coverage and periodic reports.
"""

__version__ = "0.1.0"
