"""WTForms classes, one module per domain; CSRF comes from Flask-WTF's FlaskForm."""
