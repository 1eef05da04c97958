// The sandbox's Office.js: built on its own as one classic script, /taskpane/office-standin.js, which
// /dev/outlook/taskpane.html and commands.html load in place of Microsoft's office.js.

import { installOfficeStandin } from './standin.ts';

installOfficeStandin(window);
