package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/doctor"
)

func init() {
	register("doctor", func(g *globalFlags) *cobra.Command {
		var backupDir string
		var backupMaxAge, pluginTimeout time.Duration
		cmd := &cobra.Command{
			Use:   "doctor",
			Short: "The go-live check: is this install ready for guests? Exit 0 only when every line is ✓",
			Long: "doctor checks, on the server and with conserje's own settings, everything a fresh install\n" +
				"needs before guests write: the configuration; the database and Redis (reachable, versions,\n" +
				"migrations); every plugin (starts and accepts its settings, and is up in the running\n" +
				"conserje); the public URL over HTTPS answering /healthz from outside; the WhatsApp and\n" +
				"Mercado Pago webhook URLs to paste (trying Meta's verify handshake); the iCal export URLs;\n" +
				"the newest backup's age; and that no staff password is a well-known one. Each line is ✓ or\n" +
				"✗ with what to do. Exit status: 0 ready, 1 something to fix.",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				out := cmd.OutOrStdout()
				cfg, src, err := config.Load(g.configPath)
				if err == nil {
					err = cfg.Validate(config.SkipPluginFiles)
				}
				file := src.File
				if file == "" {
					file = "built-in defaults"
				}
				if len(src.Env) > 0 {
					file += fmt.Sprintf(" and %d CONSERJE_* variables", len(src.Env))
				}
				report := doctor.Report{Lines: []doctor.Line{doctor.ConfigLine(file, err)}}
				if err == nil {
					if backupDir == "" {
						backupDir = os.Getenv("CONSERJE_BACKUP_DIR")
					}
					run := doctor.Run(cmd.Context(), cfg, doctor.Options{
						BackupDir: backupDir, BackupMaxAge: backupMaxAge, PluginTimeout: pluginTimeout,
					})
					report.Lines = append(report.Lines, run.Lines...)
				}
				if werr := report.Write(out); werr != nil {
					return werr
				}
				if !report.OK() {
					return exitError{code: 1}
				}
				return nil
			},
		}
		cmd.Flags().StringVar(&backupDir, "backup-dir", "", "where deploy/backup.sh writes (default $CONSERJE_BACKUP_DIR)")
		cmd.Flags().DurationVar(&backupMaxAge, "backup-max-age", 26*time.Hour, "how old the newest backup may be")
		cmd.Flags().DurationVar(&pluginTimeout, "plugin-timeout", 20*time.Second, "bound on starting, configuring and stopping each plugin")
		return cmd
	})
}
