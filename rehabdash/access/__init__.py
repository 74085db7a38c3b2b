"""Access: accounts (Argon2id hashes, lockout), the append-only audit log, the login gate and the
account command line.

May import the kernel; the gate alone uses Streamlit.
"""
