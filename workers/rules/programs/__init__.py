"""The programs a verification can be decided by: the one list the API, the console and the rules share.

Each insurance program has a module here (va_ccn.py, tricare.py, commercial.py, medicare.py,
medicare_advantage.py, medicaid.py, champva.py) and self_pay.py gives the Good Faith Estimate. This
package's own namespace holds only the names, so that schemas and pages can import them without
loading any policy.
"""

VA_CCN = "va_ccn"
TRICARE = "tricare"
COMMERCIAL = "commercial"
MEDICARE = "medicare"
MEDICARE_ADVANTAGE = "medicare_advantage"
MEDICAID = "medicaid"
CHAMPVA = "champva"
SELF_PAY = "self_pay"

# CONTRACT.md's order.
PROGRAMS = (VA_CCN, TRICARE, COMMERCIAL, MEDICARE, MEDICARE_ADVANTAGE, MEDICAID, CHAMPVA, SELF_PAY)

# What intake and billing staff call each program.
PROGRAM_NAMES = {
    VA_CCN: "VA Community Care Network",
    TRICARE: "TRICARE",
    COMMERCIAL: "Commercial insurance",
    MEDICARE: "Medicare (Original, Part B)",
    MEDICARE_ADVANTAGE: "Medicare Advantage",
    MEDICAID: "Medicaid / Medi-Cal",
    CHAMPVA: "CHAMPVA",
    SELF_PAY: "Self-pay (no insurance billed)",
}

# Programs run by a government: never decided by a commercial policy.
GOVERNMENT = frozenset({VA_CCN, TRICARE, MEDICARE, MEDICARE_ADVANTAGE, MEDICAID, CHAMPVA})
