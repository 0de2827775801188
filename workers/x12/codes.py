"""The X12 005010X279A1 code lists the 270/271 reader and writer use, as data.

The wording is the code lists' own short text (X12 element dictionary), and for rejections a plain
follow-up for intake staff. DOMAIN.md ("Eligibility data") names the codes the rules lean on; the
tables hold the rest of each list a payer may send so nothing read is left unnamed.
"""

# EB01 Eligibility or Benefit Information Code (element 1390).
ELIGIBILITY_OR_BENEFIT = {
    "1": "Active Coverage",
    "2": "Active - Full Risk Capitation",
    "3": "Active - Services Capitated",
    "4": "Active - Services Capitated to Primary Care Physician",
    "5": "Active - Pending Investigation",
    "6": "Inactive",
    "7": "Inactive - Pending Eligibility Update",
    "8": "Inactive - Pending Investigation",
    "A": "Co-Insurance",
    "B": "Co-Payment",
    "C": "Deductible",
    "CB": "Coverage Basis",
    "D": "Benefit Description",
    "E": "Exclusions",
    "F": "Limitations",
    "G": "Out of Pocket (Stop Loss)",
    "H": "Unlimited",
    "I": "Non-Covered",
    "J": "Cost Containment",
    "K": "Reserve",
    "L": "Primary Care Provider",
    "M": "Pre-existing Condition",
    "MC": "Managed Care Coordinator",
    "N": "Services Restricted to Following Provider",
    "O": "Not Deemed a Medical Necessity",
    "P": "Benefit Disclaimer",
    "Q": "Second Surgical Opinion Required",
    "R": "Other or Additional Payor",
    "S": "Prior Year(s) History",
    "T": "Card(s) Reported Lost/Stolen",
    "U": "Contact Following Entity for Eligibility or Benefit Information",
    "V": "Cannot Process",
    "W": "Other Source of Data",
    "X": "Health Care Facility",
    "Y": "Spend Down",
}
ACTIVE = frozenset({"1", "2", "3", "4", "5"})
INACTIVE = frozenset({"6", "7", "8"})

# EB02 Coverage Level Code (element 1207).
COVERAGE_LEVEL = {
    "CHD": "Children Only",
    "DEP": "Dependents Only",
    "ECH": "Employee and Children",
    "EMP": "Employee Only",
    "ESP": "Employee and Spouse",
    "FAM": "Family",
    "IND": "Individual",
    "SPC": "Spouse and Children",
    "SPO": "Spouse Only",
}
INDIVIDUAL_LEVELS = frozenset({"IND", "EMP"})

# EB03 / EQ01 Service Type Code (element 1365): the behavioral-health codes of DOMAIN.md and the
# general ones payers send beside them.
SERVICE_TYPE = {
    "1": "Medical Care",
    "2": "Surgical",
    "3": "Consultation",
    "4": "Diagnostic X-Ray",
    "5": "Diagnostic Lab",
    "6": "Radiation Therapy",
    "7": "Anesthesia",
    "8": "Surgical Assistance",
    "12": "Durable Medical Equipment Purchase",
    "18": "Durable Medical Equipment Rental",
    "30": "Health Benefit Plan Coverage",
    "33": "Chiropractic",
    "35": "Dental Care",
    "42": "Home Health Care",
    "45": "Hospice",
    "47": "Hospital",
    "48": "Hospital - Inpatient",
    "50": "Hospital - Outpatient",
    "51": "Hospital - Emergency Accident",
    "52": "Hospital - Emergency Medical",
    "53": "Hospital - Ambulatory Surgical",
    "60": "General Benefits",
    "86": "Emergency Services",
    "88": "Pharmacy",
    "98": "Professional (Physician) Visit - Office",
    "99": "Professional (Physician) Visit - Inpatient",
    "A0": "Professional (Physician) Visit - Outpatient",
    "A3": "Professional (Physician) Visit - Home",
    "A4": "Psychiatric",
    "A5": "Psychiatric - Room and Board",
    "A6": "Psychotherapy",
    "A7": "Psychiatric - Inpatient",
    "A8": "Psychiatric - Outpatient",
    "AD": "Occupational Therapy",
    "AE": "Physical Medicine",
    "AF": "Speech Therapy",
    "AI": "Substance Abuse",
    "AJ": "Alcoholism",
    "AK": "Drug Addiction",
    "AL": "Vision (Optometry)",
    "BB": "Partial Hospitalization (Psychiatric)",
    "CE": "Mental Health Provider - Inpatient",
    "CF": "Mental Health Provider - Outpatient",
    "CG": "Mental Health Facility - Inpatient",
    "CH": "Mental Health Facility - Outpatient",
    "CI": "Substance Abuse Facility - Inpatient",
    "CJ": "Substance Abuse Facility - Outpatient",
    "MH": "Mental Health",
    "PT": "Physical Therapy",
    "UC": "Urgent Care",
}
BEHAVIORAL_HEALTH = ("30", "MH", "A4", "A6", "A7", "A8", "CE", "CF", "CG", "CH", "AI", "CI", "CJ", "BB")

# EB04 Insurance Type Code (element 1336): the ones a behavioral-health clinic meets.
INSURANCE_TYPE = {
    "12": "Medicare Secondary Working Aged Beneficiary or Spouse with Employer Group Health Plan",
    "C1": "Commercial",
    "CH": "Champus (TRICARE)",
    "CO": "Consolidated Omnibus Budget Reconciliation Act (COBRA)",
    "EP": "Exclusive Provider Organization",
    "GP": "Group Policy",
    "HM": "Health Maintenance Organization",
    "HN": "Health Maintenance Organization (HMO) - Medicare Risk",
    "IN": "Indemnity",
    "MA": "Medicare Part A",
    "MB": "Medicare Part B",
    "MC": "Medicaid",
    "MP": "Medicare Primary",
    "OT": "Other",
    "PR": "Preferred Provider Organization (PPO)",
    "PS": "Point of Service (POS)",
    "QM": "Qualified Medicare Beneficiary",
    "SP": "Supplemental Policy",
    "VA": "Veterans Affairs Plan",
    "WC": "Workers Compensation",
}

# EB06 Time Period Qualifier (element 615).
TIME_PERIOD = {
    "6": "Hour",
    "7": "Day",
    "13": "24 Hours",
    "21": "Years",
    "22": "Service Year",
    "23": "Calendar Year",
    "24": "Year to Date",
    "25": "Contract",
    "26": "Episode",
    "27": "Visit",
    "28": "Outlier",
    "29": "Remaining",
    "30": "Exceeded",
    "31": "Not Exceeded",
    "32": "Lifetime",
    "33": "Lifetime Remaining",
    "34": "Month",
    "35": "Week",
    "36": "Admission",
}
# Periods whose amount is the whole benefit (a deductible or out-of-pocket maximum), as opposed to
# what is left of it (29) or what has been used (24).
WHOLE_PERIODS = frozenset({"21", "22", "23", "25", "32"})
REMAINING = "29"
YEAR_TO_DATE = "24"

# EB09 Quantity Qualifier (element 673).
QUANTITY = {
    "99": "Quantity Used",
    "CA": "Covered - Actual",
    "CE": "Covered - Estimated",
    "D3": "Number of Co-insurance Days",
    "DB": "Deductible Blood Units",
    "DY": "Days",
    "HS": "Hours",
    "LA": "Life-time Reserve - Actual",
    "LE": "Life-time Reserve - Estimated",
    "M2": "Maximum",
    "MN": "Month",
    "P6": "Number of Services or Procedures",
    "QA": "Quantity Approved",
    "S7": "Age, High Value",
    "S8": "Age, Low Value",
    "VS": "Visits",
    "YY": "Years",
}

# EB11 Authorization or Certification Indicator and EB12 In Plan Network Indicator (element 1073).
YES_NO_UNKNOWN = {"Y": "Yes", "N": "No", "U": "Unknown"}
IN_PLAN_NETWORK = {"Y": "Yes", "N": "No", "U": "Unknown", "W": "Not Applicable"}

# AAA01 Yes/No Condition or Response Code: was the request valid.
# AAA03 Reject Reason Code (element 901), with what intake staff should do about each.
REJECT_REASON = {
    "04": ("Authorized Quantity Exceeded", "Ask fewer service types or dates in one inquiry."),
    "15": ("Required application data missing", "Add the missing data the payer asks for and resubmit."),
    "33": ("Input Errors", "Check the inquiry's data and resubmit."),
    "35": ("Out of Network", "The clinic is out of this payer's network: confirm out-of-network benefits."),
    "41": ("Authorization/Access Restrictions", "The clinic may not ask this payer: check the clearinghouse enrollment."),
    "42": ("Unable to Respond at Current Time", "The payer's system did not answer: ask again later or use the payer's portal."),
    "43": ("Invalid/Missing Provider Identification", "Check the clinic's NPI with the payer and resubmit."),
    "44": ("Invalid/Missing Provider Name", "Check the clinic's name as the payer has it and resubmit."),
    "45": ("Invalid/Missing Provider Specialty", "Check the provider's taxonomy and resubmit."),
    "46": ("Invalid/Missing Provider Phone Number", "Check the clinic's phone number and resubmit."),
    "47": ("Invalid/Missing Provider State", "Check the clinic's state and resubmit."),
    "48": ("Invalid/Missing Referring Provider Identification Number", "Check the referring provider's NPI and resubmit."),
    "49": ("Provider is Not Primary Care Physician", "The plan needs its primary care physician's referral: ask the patient's PCP."),
    "50": ("Provider Ineligible for Inquiries", "The payer does not take inquiries from this provider: call the payer or use its portal."),
    "51": ("Provider Not on File", "The payer does not know the clinic: check its enrollment with the payer."),
    "52": ("Service Dates Not Within Provider Plan Enrollment", "The clinic was not enrolled on the date of service: check the enrollment dates."),
    "53": ("Inquired Benefit Inconsistent with Provider Type", "Ask for service types that fit the clinic's provider type."),
    "54": ("Inappropriate Product/Service ID Qualifier", "Check the procedure code qualifier and resubmit."),
    "55": ("Inappropriate Product/Service ID", "Check the procedure code and resubmit."),
    "56": ("Inappropriate Date", "Check the date of service and resubmit."),
    "57": ("Invalid/Missing Date(s) of Service", "Check the date of service and resubmit."),
    "58": ("Invalid/Missing Date-of-Birth", "Check the patient's date of birth against the card and resubmit."),
    "60": ("Date of Birth Follows Date(s) of Service", "Check the date of birth and the date of service and resubmit."),
    "61": ("Date of Death Precedes Date(s) of Service", "The payer records the member as deceased before the date of service: confirm with the payer."),
    "62": ("Date of Service Not Within Allowable Inquiry Period", "Ask for a date of service the payer allows (most answer for today and a limited window around it)."),
    "63": ("Date of Service in Future", "Ask again nearer the date of service, or for today's date."),
    "64": ("Invalid/Missing Patient ID", "Check the patient's member id against the card and resubmit."),
    "65": ("Invalid/Missing Patient Name", "Check the patient's name as printed on the card and resubmit."),
    "66": ("Invalid/Missing Patient Gender Code", "Check the patient's sex as the payer records it and resubmit."),
    "67": ("Patient Not Found", "Check the patient's name, date of birth and member id against the card and resubmit."),
    "68": ("Duplicate Patient ID Number", "The payer has several members with this id: add the date of birth and name and resubmit."),
    "69": ("Inconsistent with Patient's Age", "The service asked about does not fit the patient's age: check the inquiry."),
    "70": ("Inconsistent with Patient's Gender", "The service asked about does not fit the patient's sex: check the inquiry."),
    "71": ("Patient Birth Date Does Not Match That for the Patient on the Database", "Check the date of birth against the card and resubmit."),
    "72": ("Invalid/Missing Subscriber/Insured ID", "Check the member id against the card (every character, with any prefix) and resubmit."),
    "73": ("Invalid/Missing Subscriber/Insured Name", "Check the subscriber's name exactly as printed on the card and resubmit."),
    "74": ("Invalid/Missing Subscriber/Insured Gender Code", "Check the subscriber's sex as the payer records it and resubmit."),
    "75": ("Subscriber/Insured Not Found", "Check the member id, name and date of birth against the card, and that this is the right payer; then resubmit."),
    "76": ("Duplicate Subscriber/Insured ID Number", "The payer has several members with this id: add the name and date of birth and resubmit."),
    "77": ("Subscriber Found, Patient Not Found", "The subscriber is known but the dependent is not: check the dependent's name and date of birth."),
    "78": ("Subscriber/Insured Not in Group/Plan Identified", "Check the group number, or ask the patient for a newer card."),
    "79": ("Invalid Participant Identification", "The clearinghouse or payer id is wrong: check where the inquiry was sent."),
    "80": ("No Response received - Transaction Terminated", "No answer came back from the payer: ask again later or use the payer's portal."),
    "97": ("Invalid or Missing Provider Address", "Check the clinic's address as the payer has it and resubmit."),
    "T4": ("Payer Name or Identifier Missing", "Check the payer id the inquiry was sent to and resubmit."),
}

# AAA04 Follow-up Action Code (element 889).
FOLLOW_UP = {
    "C": "Please Correct and Resubmit",
    "N": "Resubmission Not Allowed",
    "P": "Please Resubmit Original Transaction",
    "R": "Resubmission Allowed",
    "S": "Do Not Resubmit; Inquiry Initiated to a Third Party",
    "W": "Please Wait 30 Days and Resubmit",
    "X": "Please Wait 10 Days and Resubmit",
    "Y": "Do Not Resubmit; We Will Hand Back",
}

# DTP01 Date/Time Qualifier (element 374) in 2100C/D and 2110C/D.
DATE_QUALIFIER = {
    "096": "Discharge",
    "102": "Issue",
    "152": "Effective Date of Change",
    "193": "Period Start",
    "194": "Period End",
    "198": "Completion",
    "290": "Coordination of Benefits",
    "291": "Plan",
    "292": "Benefit",
    "295": "Primary Care Provider",
    "304": "Latest Visit or Consultation",
    "307": "Eligibility",
    "318": "Added",
    "340": "Consolidated Omnibus Budget Reconciliation Act (COBRA) Begin",
    "341": "Consolidated Omnibus Budget Reconciliation Act (COBRA) End",
    "342": "Premium Paid to Date Begin",
    "343": "Premium Paid to Date End",
    "346": "Plan Begin",
    "347": "Plan End",
    "348": "Benefit Begin",
    "349": "Benefit End",
    "356": "Eligibility Begin",
    "357": "Eligibility End",
    "382": "Enrollment",
    "435": "Admission",
    "442": "Date of Death",
    "458": "Certification",
    "472": "Service",
    "539": "Policy Effective",
    "540": "Policy Expiration",
    "636": "Date of Last Update",
    "771": "Status",
}

# NM101 Entity Identifier Code (element 98) per loop, as the guide allows them.
PAYER_ENTITIES = frozenset({"2B", "36", "GP", "P5", "PR"})
RECEIVER_ENTITIES = frozenset({"1P", "2B", "36", "80", "FA", "GP", "P5", "PR"})
SUBSCRIBER_ENTITIES = frozenset({"IL"})
DEPENDENT_ENTITIES = frozenset({"03"})

# INS02 Individual Relationship Code (element 1069) for a dependent.
RELATIONSHIP = {"01": "Spouse", "19": "Child", "34": "Other Adult", "18": "Self", "G8": "Other Relationship"}
