// Accredit's only script entry point: marks the page as script-enabled and starts NHS.UK components.
// (The NHS.UK page template does this with an inline script, which our content security policy forbids.)
import { initAll } from '../vendor/nhsuk/nhsuk-frontend.min.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()
