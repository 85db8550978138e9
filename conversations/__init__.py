"""Multi-step conversations (the survey flow), driven by state stored in the database."""
