"""What the limits count by, pure: a customer's email and phone written one way, a client address
reduced to what one client controls, and the counter ids they become (keyed digests, so the
counters table holds no email, phone or address in the clear)."""
import hashlib
import hmac
import ipaddress
import re

# The last nine digits of a phone number identify it in any common notation: "+44 7700 900111",
# "07700 900111", "0044 (0)7700-900111" and "447700900111" all end in 700900111, whatever the
# country code or trunk prefix. Two different numbers sharing their last nine digits would share
# a limit; that is rarer than a customer writing their number two ways.
PHONE_DIGITS = 9
_NOT_DIGITS = re.compile(r"\D")


def normal_email(email: str) -> str:
    """One address however it was typed: without surrounding spaces, in lower case (mail
    providers treat addresses without regard to case)."""
    return email.strip().lower()


def normal_phone(phone: str) -> str:
    """The number's last nine digits (all of them when it has fewer)."""
    return _NOT_DIGITS.sub("", phone)[-PHONE_DIGITS:]


def client_network(address: str) -> str | None:
    """What one client controls: an IPv4 address, or the /64 network of an IPv6 address (one
    household or phone gets a whole /64 and may pick any address in it). None when `address`
    is not an IP address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def digest(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def contact_ids(secret: bytes, email: str | None, phone: str | None) -> dict[str, str]:
    """{"email" | "phone": counter id} for the contact details a booking gives."""
    found = {}
    if email and normal_email(email):
        found["email"] = "contact:email:" + digest(secret, "email", normal_email(email))
    if phone and normal_phone(phone):
        found["phone"] = "contact:phone:" + digest(secret, "phone", normal_phone(phone))
    return found


def rate_id(secret: bytes, kind: str, network: str, window_index: int) -> str:
    return f"rate:{kind}:{digest(secret, 'address', network)}:{window_index}"
