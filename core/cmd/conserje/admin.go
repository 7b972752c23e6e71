package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/admin"
)

func init() {
	register("admin", func(g *globalFlags) *cobra.Command {
		cmd := &cobra.Command{Use: "admin", Short: "Manage staff users of the admin"}
		var role, name string
		var fromStdin bool
		password := func(cmd *cobra.Command) (string, bool, error) {
			if fromStdin {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && err != io.EOF {
					return "", false, fmt.Errorf("read password from stdin: %w", err)
				}
				return strings.TrimRight(line, "\r\n"), false, nil
			}
			b := make([]byte, 12)
			if _, err := rand.Read(b); err != nil {
				return "", false, err
			}
			return base64.RawURLEncoding.EncodeToString(b), true, nil
		}
		add := &cobra.Command{
			Use:   "add-user USERNAME",
			Short: "Create a staff user (temporary password generated and printed, or read from stdin)",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				_, _, db, err := openStore(cmd.Context(), g, false)
				if err != nil {
					return err
				}
				defer db.Close()
				pass, generated, err := password(cmd)
				if err != nil {
					return err
				}
				// A generated password was shown to the operator, not chosen by the user: it
				// is temporary. One the operator typed is theirs to hand over as they see fit.
				if generated {
					err = admin.CreateUserTemporary(cmd.Context(), db, args[0], name, pass, role, time.Now())
				} else {
					err = admin.CreateUser(cmd.Context(), db, args[0], name, pass, role)
				}
				if err != nil {
					return exitError{code: 1, msg: err.Error()}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "staff user %s created (%s)\n", args[0], role)
				if generated {
					fmt.Fprintf(cmd.OutOrStdout(), "password: %s  (shown once)\n", pass)
					printTemporary(cmd.OutOrStdout())
				}
				return nil
			},
		}
		add.Flags().StringVar(&role, "role", "staff", "admin or staff")
		add.Flags().StringVar(&name, "name", "", "display name")
		add.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin")
		passwd := &cobra.Command{
			Use:   "set-password USERNAME",
			Short: "Replace a staff user's password (temporary one generated, or read from stdin) and end their sessions",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				_, _, db, err := openStore(cmd.Context(), g, false)
				if err != nil {
					return err
				}
				defer db.Close()
				pass, generated, err := password(cmd)
				if err != nil {
					return err
				}
				if generated {
					err = admin.SetTemporaryPassword(cmd.Context(), db, args[0], pass, time.Now())
				} else {
					err = admin.SetPassword(cmd.Context(), db, args[0], pass)
				}
				if err != nil {
					return exitError{code: 1, msg: err.Error()}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "password of %s replaced; their sessions were closed\n", args[0])
				if generated {
					fmt.Fprintf(cmd.OutOrStdout(), "password: %s  (shown once)\n", pass)
					printTemporary(cmd.OutOrStdout())
				}
				return nil
			},
		}
		passwd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin")
		cmd.AddCommand(add, passwd)
		return cmd
	})
}

// printTemporary tells the operator what the user will be asked with a generated password.
func printTemporary(w io.Writer) {
	fmt.Fprintf(w, "temporary: at the first login they must choose their own; it stops working after %d hours\n",
		int(admin.TemporaryPasswordTTL.Hours()))
}
