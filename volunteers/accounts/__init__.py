"""How allauth fits this project: phone numbers live on ``Person``, SMS goes through core.sms.

allauth is the one way in: the Wagtail and Django admin logins redirect to its login
(config/urls.py), so every login runs its stages and rate limits. allauth stores a
phone by calling ``AccountAdapter.set_phone``: an unproven number is only recorded
(``account_phone_record``); once the SMS code proves it, the account gets its
``Person``, claiming the roster entry with that number if there is one
(``account_phone_prove``). Sign-up asks for no username (a random one is made), so it
cannot tell anyone which usernames exist.

Password failures lock an account's password login for a while, but never its owner:
a browser the account has logged in from before carries a signed device cookie and
counts its failures apart (OWASP's "device cookies"), and from any other browser the
owner logs in with an SMS code instead.

Codes sent to numbers that belong to no account cost money and can be aimed at
strangers: besides allauth's per-number limits, they are capped per client address
and per day for the whole site (``unknown_number_sms_allowed``).

``adapter`` holds the adapter and the login stage, ``devices`` the device cookie, ``forms``
allauth's own forms with Chinese labels and mainland phone numbers; settings point
``ACCOUNT_ADAPTER`` and ``ACCOUNT_FORMS`` at them.
"""
