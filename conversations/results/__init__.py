"""Survey results: /hasil for staff (staff.py), interim results for respondents (public.py)."""
