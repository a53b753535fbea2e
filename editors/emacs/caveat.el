;;; caveat.el --- caveat's Python language server for Eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages, tools, python
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; caveat warns about the defects AI coding assistants write in Python:
;; injection, unsafe deserialization, swallowed exceptions, missing timeouts,
;; hallucinated APIs, and offers quick-fixes.  This file registers caveat's
;; language server (`caveat serve') with Eglot and exposes its settings as
;; `defcustom's.
;;
;; Setup:
;;
;;   (add-to-list 'load-path "/path/to/caveat/editors/emacs")
;;   (require 'caveat)
;;   (caveat-eglot-setup)                        ; register with Eglot
;;   (add-hook 'python-mode-hook #'eglot-ensure) ; optional: start automatically
;;
;; Diagnostics show through Flymake; quick-fixes are Eglot code actions
;; (M-x eglot-code-actions, or `eglot-code-action-quickfix').
;;
;; Settings (`caveat-select', `caveat-ignore', `caveat-severity',
;; `caveat-exclude', `caveat-python') are sent as initializationOptions and
;; answer the server's workspace/configuration requests for the "caveat"
;; section.  They are safe as directory-local variables, so a project can set
;; them in .dir-locals.el.  A `:caveat' section in
;; `eglot-workspace-configuration' overrides them.
;;
;; Eglot runs one server per major mode and project.  To keep another Python
;; server (pyright, basedpyright, ruff, pylsp) in the same buffers, see
;; `caveat-eglot-multiplexed-command' and editors/README.md.

;;; Code:

(require 'eglot)
(require 'cl-lib)
(require 'seq)

(defgroup caveat nil
  "caveat: warnings for the defects AI coding assistants write in Python."
  :group 'tools
  :prefix "caveat-")

(defcustom caveat-server-command '("caveat" "serve")
  "Command line that starts the caveat language server over stdio.
When the first element is \"caveat\" and the project has a virtual
environment (.venv or venv) containing caveat, that executable is used."
  :type '(repeat string))

(defcustom caveat-modes '(python-mode python-ts-mode)
  "Major modes caveat is registered for in `eglot-server-programs'."
  :type '(repeat symbol))

(defcustom caveat-select nil
  "Rule codes or prefixes to enable, e.g. (\"CAV1\" \"B506\").
nil means the project's [tool.caveat] selection (default: all rules)."
  :type '(repeat string)
  :safe (lambda (v) (and (listp v) (seq-every-p #'stringp v))))

(defcustom caveat-ignore nil
  "Rule codes or prefixes to disable, e.g. (\"CAV204\")."
  :type '(repeat string)
  :safe (lambda (v) (and (listp v) (seq-every-p #'stringp v))))

(defcustom caveat-severity nil
  "Severity overrides: an alist of (CODE . LEVEL), e.g. ((\"B506\" . \"error\"))."
  :type '(alist :key-type (string :tag "Rule code or prefix")
                :value-type (choice (const "error") (const "warning")
                                    (const "info") (const "hint")))
  :safe (lambda (v) (and (listp v)
                         (seq-every-p (lambda (c) (and (consp c) (stringp (car c))
                                                       (stringp (cdr c))))
                                      v))))

(defcustom caveat-exclude nil
  "Glob patterns of files caveat should not check, e.g. (\"tests/fixtures/**\")."
  :type '(repeat string)
  :safe (lambda (v) (and (listp v) (seq-every-p #'stringp v))))

(defcustom caveat-python nil
  "Python environment caveat resolves library APIs against.
An interpreter path or a virtual environment folder.  nil means: the
active $VIRTUAL_ENV, else .venv or venv in the project root if present,
else the project's [tool.caveat] setting.  caveat never runs code from it."
  :type '(choice (const :tag "Detect" nil) (file :tag "Interpreter or venv"))
  :safe (lambda (v) (or (null v) (stringp v))))

(defclass caveat-eglot-server (eglot-lsp-server) ()
  :documentation "Eglot connection to caveat's language server.")

(defun caveat--project-root ()
  "Root of the current project, or `default-directory'."
  (let ((proj (project-current)))
    (expand-file-name (if proj (project-root proj) default-directory))))

(defun caveat--detect-python (root)
  "The environment caveat should resolve APIs against, for project ROOT."
  (or (and caveat-python (expand-file-name caveat-python root))
      (let ((venv (getenv "VIRTUAL_ENV")))
        (and venv (not (string-empty-p venv)) venv))
      (seq-some (lambda (dir)
                  (let ((path (expand-file-name dir root)))
                    (and (file-directory-p path) path)))
                '(".venv" "venv"))))

(defun caveat--vector (list)
  "LIST as a JSON array."
  (apply #'vector list))

(defun caveat--object (alist)
  "ALIST of (STRING . VALUE) as a JSON object (a hash table, so empty is {})."
  (let ((table (make-hash-table :test #'equal)))
    (dolist (cell alist table)
      (puthash (car cell) (cdr cell) table))))

(defun caveat-settings (&optional root)
  "caveat's settings for project ROOT, ready for JSON.
Only settings that are set are included: an empty `select' would mean
\"no rules\" to the server, and empty values would replace the project's
[tool.caveat] ones."
  (let* ((root (or root (caveat--project-root)))
         (python (caveat--detect-python root))
         (settings nil))
    (when caveat-select (setq settings (plist-put settings :select (caveat--vector caveat-select))))
    (when caveat-ignore (setq settings (plist-put settings :ignore (caveat--vector caveat-ignore))))
    (when caveat-severity (setq settings (plist-put settings :severity (caveat--object caveat-severity))))
    (when caveat-exclude (setq settings (plist-put settings :exclude (caveat--vector caveat-exclude))))
    (when python (setq settings (plist-put settings :python python)))
    (or settings (make-hash-table))))

(defun caveat--settings-for-directory (dir)
  "Settings as seen from DIR, with its directory-local variables applied."
  (with-temp-buffer
    (setq default-directory (file-name-as-directory dir))
    (setq-local major-mode (car caveat-modes))
    (hack-dir-local-variables-non-file-buffer)
    (let ((override (ignore-errors
                      (plist-get (eglot--workspace-configuration-plist nil) :caveat))))
      (or override (caveat-settings dir)))))

(cl-defmethod eglot-initialization-options ((server caveat-eglot-server))
  "Send caveat's settings as initializationOptions."
  (caveat--settings-for-directory (project-root (eglot--project server))))

(cl-defmethod eglot-handle-request
  ((server caveat-eglot-server) (_method (eql workspace/configuration)) &key items)
  "Answer workspace/configuration: the \"caveat\" section from `caveat-settings'."
  (let ((root (project-root (eglot--project server))))
    (apply #'vector
           (mapcar
            (lambda (item)
              (let* ((section (plist-get item :section))
                     (scope (plist-get item :scopeUri))
                     (path (and scope (eglot--uri-to-path scope)))
                     (dir (if (and path (file-directory-p path)) path
                            (if path (file-name-directory path) root))))
                (if (equal section "caveat")
                    (caveat--settings-for-directory dir)
                  (let ((conf (eglot--workspace-configuration-plist server)))
                    (and section (plist-get conf (intern (concat ":" section))))))))
            items))))

(defun caveat--server-command (&optional _interactive)
  "The caveat command line for the current project.
Prefers caveat from the project's .venv or venv."
  (let ((root (caveat--project-root)))
    (if (equal (car caveat-server-command) "caveat")
        (let ((local (seq-some (lambda (dir)
                                 (let ((exe (expand-file-name (concat dir "/bin/caveat") root)))
                                   (and (file-executable-p exe) exe)))
                               '(".venv" "venv"))))
          (cons 'caveat-eglot-server
                (cons (or local "caveat") (cdr caveat-server-command))))
      (cons 'caveat-eglot-server caveat-server-command))))

(defcustom caveat-rass-program "rass"
  "The rass executable (pip install rassumfrassum), for
`caveat-eglot-multiplexed-command'."
  :type 'string)

(defconst caveat--rass-preset
  (let ((file (expand-file-name "caveat_rass.py"
                                (file-name-directory (or load-file-name buffer-file-name "")))))
    (and (file-exists-p file) file))
  "caveat_rass.py next to this file: a rass preset that waits longer for
servers to initialize (rass otherwise drops a server slower than 3 s).")

(defun caveat-eglot-multiplexed-command (&rest other-servers)
  "Contact for Eglot running caveat next to OTHER-SERVERS through `rass'.
Each element of OTHER-SERVERS is a command line (a list of strings), e.g.
  (caveat-eglot-multiplexed-command \\='(\"basedpyright-langserver\" \"--stdio\")
                                    \\='(\"ruff\" \"server\"))
rass (pip install rassumfrassum) is an LSP multiplexer: Eglot talks to one
server that forwards to several and merges their diagnostics and code actions."
  (append (list 'caveat-eglot-server caveat-rass-program)
          (and caveat--rass-preset (list caveat--rass-preset))
          (list "--")
          caveat-server-command
          (apply #'append (mapcar (lambda (cmd) (cons "--" cmd)) other-servers))))

;;;###autoload
(defun caveat-eglot-setup (&optional contact)
  "Register caveat with Eglot for `caveat-modes'.
CONTACT defaults to `caveat-server-command' (the project's venv first).
It takes precedence over other entries for those modes, so Eglot starts
caveat for Python buffers."
  (interactive)
  (let ((modes caveat-modes))
    (setq eglot-server-programs
          (cons (cons modes (or contact #'caveat--server-command))
                (seq-remove (lambda (entry) (equal (car entry) modes))
                            eglot-server-programs)))))

(defun caveat--signal-didChangeConfiguration (orig server)
  "Around `eglot-signal-didChangeConfiguration': include caveat's section.
Eglot sends `eglot-workspace-configuration' as is (on connect too); for
caveat's server, add the \"caveat\" section so the server always gets its
own settings, next to other servers' sections when multiplexed."
  (if (not (cl-typep server 'caveat-eglot-server))
      (funcall orig server)
    (let* ((root (project-root (eglot--project server)))
           (conf (let ((default-directory root))
                   (ignore-errors (eglot--workspace-configuration-plist server))))
           (settings (plist-put (copy-sequence conf) :caveat
                                (caveat--settings-for-directory root))))
      (jsonrpc-notify server :workspace/didChangeConfiguration
                      (list :settings settings)))))

(advice-add 'eglot-signal-didChangeConfiguration :around
            #'caveat--signal-didChangeConfiguration)

(defun caveat-reload-settings ()
  "Send the current caveat settings to the running server.
Use after changing a `caveat-' variable (or .dir-locals.el) while the
server runs."
  (interactive)
  (eglot-signal-didChangeConfiguration (eglot--current-server-or-lose)))

(defun caveat-eglot-quickfix ()
  "Apply caveat's preferred quick-fix at point (Eglot code action)."
  (interactive)
  (eglot-code-actions (point) nil "quickfix" t))

(provide 'caveat)
;;; caveat.el ends here
