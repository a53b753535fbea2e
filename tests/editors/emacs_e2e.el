;;; emacs_e2e.el --- drive Emacs + Eglot through caveat's yaml.load quick-fix  -*- lexical-binding: t; -*-
;;
;;   emacs --batch -q -l emacs_e2e.el REPO FILE CAVEAT_EXE RESULT_JSON [RASS_EXE RUFF_EXE]
;;
;; With RASS_EXE and RUFF_EXE, Eglot runs caveat next to ruff's server through the rass
;; multiplexer (`caveat-eglot-multiplexed-command'), as editors/README.md documents.
;;
;; Loads editors/emacs/caveat.el as a user would, starts Eglot with `eglot-ensure',
;; waits for caveat's diagnostic in Flymake, applies the quick-fix through
;; `eglot-code-actions' (Eglot's own menu: the minibuffer answer comes from stdin, an
;; empty line, i.e. RET on the default = the server's preferred action), saves, and
;; waits for the diagnostic to go away.  Batch Emacs has no command loop, so the wait
;; loop runs `post-command-hook' and fires idle timers itself (Eglot 1.9 sends
;; didChange and Flymake re-checks from idle timers).

(require 'cl-lib)
(require 'json)
(package-initialize)
(require 'eglot)
(require 'flymake)

(defvar e2e-args (let ((tail (member "--e2e-args" command-line-args)))
                   (cdr tail)))
(defvar e2e-repo (nth 0 e2e-args))
(defvar e2e-file (nth 1 e2e-args))
(defvar e2e-caveat (nth 2 e2e-args))
(defvar e2e-result-path (nth 3 e2e-args))
(defvar e2e-rass (nth 4 e2e-args))
(defvar e2e-ruff (nth 5 e2e-args))
(defvar e2e-timeout (string-to-number (or (getenv "CAVEAT_EMACS_TIMEOUT") "60")))
(defvar e2e-start (float-time))
(defvar e2e-result (list (cons 'steps nil)))

(defun e2e-ms () (round (* 1000 (- (float-time) e2e-start))))

(defun e2e-put (key value)
  (setf (alist-get key e2e-result) value))

(defun e2e-step (name)
  (setf (alist-get 'steps e2e-result)
        (append (alist-get 'steps e2e-result) (list `((name . ,name) (ms . ,(e2e-ms)))))))

(defun e2e-finish (ok &optional err)
  (e2e-put 'ok (if ok t :json-false))
  (e2e-put 'error err)
  (e2e-put 'total_ms (e2e-ms))
  (ignore-errors
    (e2e-put 'events
             (with-current-buffer (jsonrpc-events-buffer (eglot-current-server))
               (let ((s (buffer-string)))
                 (substring s (max 0 (- (length s) 60000)))))))
  (with-temp-file e2e-result-path
    (insert (json-encode e2e-result)))
  (ignore-errors (let ((eglot-autoshutdown t)) (eglot-shutdown (eglot-current-server) nil 5)))
  (kill-emacs (if ok 0 1)))

(defun e2e-fire-idle-timers ()
  (dolist (timer (copy-sequence timer-idle-list))
    (ignore-errors (timer-event-handler timer))))

(defun e2e-wait (pred &optional timeout)
  "Spin the event loop by hand until PRED returns non-nil or TIMEOUT seconds pass."
  (let ((deadline (+ (float-time) (or timeout e2e-timeout))))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05)
      (run-hooks 'post-command-hook)
      (e2e-fire-idle-timers))
    (funcall pred)))

(defun e2e-caveat-diags (&optional source)
  "Diagnostics from SOURCE (default caveat) in Flymake's store for the current buffer."
  (cl-loop for d in (flymake-diagnostics)
           for lsp = (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d)))
           when (and lsp (equal (plist-get lsp :source) (or source "caveat")))
           collect `((code . ,(plist-get lsp :code))
                     (line . ,(line-number-at-pos (flymake-diagnostic-beg d)))
                     (text . ,(flymake-diagnostic-text d))
                     (type . ,(symbol-name (flymake-diagnostic-type d)))
                     (beg . ,(flymake-diagnostic-beg d)))))

(defvar e2e-yaml-line (string-to-number (or (getenv "CAVEAT_YAML_LINE") "9"))
  "Line of `return yaml.load(handle)'; bandit's B506 or caveat's CAV132 may report it.")

(defun e2e-yaml-diags (diags)
  (cl-remove-if-not (lambda (d) (equal (alist-get 'line d) e2e-yaml-line)) diags))

(defun e2e-main ()
  (add-to-list 'load-path (expand-file-name "editors/emacs" e2e-repo))
  (require 'caveat)
  (setq caveat-server-command (list e2e-caveat "serve"))
  ;; a user setting that must reach the server: CODES listed here become errors
  (let ((codes (getenv "CAVEAT_EMACS_ERROR_CODES")))
    (when (and codes (not (string-empty-p codes)))
      (setq caveat-severity (mapcar (lambda (c) (cons c "error")) (split-string codes ",")))))
  (if (and e2e-rass e2e-ruff)
      (progn
        (setq caveat-rass-program e2e-rass)
        ;; a user who also configures ruff: Eglot sends every section to the multiplexer
        (setq-default eglot-workspace-configuration '(:ruff (:lineLength 100)))
        (caveat-eglot-setup (caveat-eglot-multiplexed-command (list e2e-ruff "server"))))
    (caveat-eglot-setup))
  (setq eglot-sync-connect nil)
  (find-file e2e-file)
  (e2e-put 'major_mode (symbol-name major-mode))
  (e2e-step "opened")
  (eglot-ensure)
  (unless (e2e-wait (lambda () (and (eglot-current-server)
                                    (jsonrpc-running-p (eglot-current-server))
                                    eglot--managed-mode)))
    (e2e-finish nil "Eglot never connected to caveat"))
  (let ((server (eglot-current-server)))
    (e2e-put 'server_class (symbol-name (eieio-object-class server)))
    (e2e-put 'server_info (plist-get (eglot--server-info server) :name)))
  (e2e-step "connected")
  (unless (e2e-wait (lambda () (e2e-yaml-diags (e2e-caveat-diags))))
    (e2e-put 'diagnostics_before (e2e-caveat-diags))
    (e2e-finish nil "no caveat diagnostic on the yaml.load line in Flymake"))
  ;; let a duplicate arrive, if the server were to send one
  (e2e-wait (lambda () nil) 1)
  (let* ((diags (e2e-caveat-diags))
         (target (car (e2e-yaml-diags diags))))
    (e2e-put 'diagnostics_before diags)
    (when e2e-ruff
      (e2e-wait (lambda () (e2e-caveat-diags "Ruff")))
      (e2e-put 'ruff_diagnostics (e2e-caveat-diags "Ruff")))
    (e2e-step "diagnostics")
    ;; change a setting in the running session: M-x caveat-reload-settings
    (when (getenv "CAVEAT_EMACS_RELOAD")
      (setq caveat-severity (mapcar (lambda (c) (cons (car c) "hint")) caveat-severity))
      (caveat-reload-settings)
      (e2e-wait (lambda ()
                  (let ((d (car (e2e-yaml-diags (e2e-caveat-diags)))))
                    (and d (equal (alist-get 'type d) "eglot-note")))))
      (e2e-put 'after_reload (e2e-yaml-diags (e2e-caveat-diags)))
      (e2e-step "reloaded"))
    (goto-char (alist-get 'beg target)))
  ;; Eglot's own quick-fix path: `eglot-code-actions' as the interactive command runs
  ;; it, with the menu answered by RET (stdin), which picks the preferred action.
  (let ((prompts nil))
    ;; Batch Emacs reads the minibuffer from stdin but, unlike the interactive
    ;; minibuffer, does not turn empty input into the default: do that here.
    (advice-add 'completing-read :around
                (lambda (orig prompt collection &optional pred req init hist def &rest more)
                  (push (list prompt (mapcar #'car collection)) prompts)
                  (let ((answer (apply orig prompt collection pred req init hist def more)))
                    (if (and (stringp answer) (string-empty-p answer) def)
                        (if (consp def) (car def) def)
                      answer)))
                '((name . e2e-record)))
    ;; As after typing M-x eglot-code-actions RET: the last event was a key, so Eglot
    ;; asks through the minibuffer (a nil event would make it pop up a mouse menu).
    (let ((last-nonmenu-event ?\r))
      (eglot-code-actions (point) nil "quickfix" t))
    (advice-remove 'completing-read 'e2e-record)
    (e2e-put 'menu (car prompts)))
  (unless (e2e-wait (lambda ()
                      (save-excursion
                        (goto-char (point-min))
                        (search-forward "yaml.safe_load(handle)" nil t))))
    (e2e-finish nil "the quick-fix did not change the buffer"))
  (e2e-step "fixed")
  (save-buffer)
  (e2e-step "saved")
  (unless (e2e-wait (lambda () (null (e2e-yaml-diags (e2e-caveat-diags)))))
    (e2e-put 'diagnostics_after (e2e-caveat-diags))
    (e2e-finish nil "the yaml.load diagnostic is still in Flymake after the fix"))
  (e2e-wait (lambda () nil) 1)
  (e2e-put 'diagnostics_after (e2e-caveat-diags))
  (e2e-put 'messages (with-current-buffer "*Messages*"
                       (cl-remove-if-not (lambda (l) (string-match-p "caveat" l))
                                         (split-string (buffer-string) "\n"))))
  (e2e-step "cleared")
  (e2e-finish t))

(condition-case err
    (e2e-main)
  (error (e2e-finish nil (format "%S" err))))
