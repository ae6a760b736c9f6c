"""The points app's Wagtail admin views; ``points.wagtail_hooks`` registers them.

Not named ``admin``: that is Django's admin module (``points/admin.py``).
"""
