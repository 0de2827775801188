"""A 271 without the addresses it carries: what the service keeps of a payer's answer.

N3 (street lines) and N4 (city, state, ZIP) are dropped wherever they appear: the subscriber's and
dependent's home address is PHI nothing reads, and the payer's and contacts' addresses are not
needed to show what the payer said. SE01 is counted again so the document stays well formed.
"""

ADDRESS_SEGMENTS = frozenset({"N3", "N4"})


def without_addresses(text: str) -> str:
    """`text` (a 271 the reader accepted, so its ISA is whole) without its N3 and N4 segments."""
    start = text.find("ISA")  # after any whitespace or byte-order mark
    element = text[start + 3]
    # ISA16 is the one character after the ISA's 16th element separator; the segment terminator follows it.
    separators = [index for index, character in enumerate(text[start:start + 200]) if character == element]
    terminator = text[start + separators[15] + 2]
    kept, counted = [], 0
    for piece in text.split(terminator):
        identifier = piece.lstrip().split(element, 1)[0]
        if identifier in ADDRESS_SEGMENTS:
            continue
        if identifier == "ST":
            counted = 0
        counted += 1
        if identifier == "SE":
            head, _, rest = piece.partition(element)
            _, _, control = rest.partition(element)
            piece = f"{head}{element}{counted}{element}{control}" if control else piece
        kept.append(piece)
    return terminator.join(kept)
