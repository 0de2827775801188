"""X12 005010X279A1 eligibility: the 271 response read into a typed view, the 270 inquiry written.

    envelope.py  pyx12's X12Reader: segments, ISA/GS/ST envelopes, control numbers and counts
    loops.py     the guide's loops (2000A–2120D), which pyx12 4.0.0 has no map for
    reader.py    read_271(text) -> EligibilityResponse (frozen dataclasses)
    summary.py   what a 271 tells a verification request, without patient identifiers
    inquiry.py   write_270(inquiry) and read_270(text)
    codes.py     the code lists (EB01, EB02, EB03, EB06, EB11, EB12, AAA03, AAA04, …) as data
"""
