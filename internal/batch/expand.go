package batch

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Expand turns command-line arguments into inputs. A directory becomes the files under it, recursively, for
// which match(name) is true; every other argument (a file, "-" for standard input, a name that does not exist)
// is kept as it is, so that opening it reports what is wrong in the same way as for any input. The order is the
// arguments' order, and within a directory the order of fs.WalkDir: each directory's entries sorted by name,
// depth first, so that the same tree always gives the same list.
//
// Within a directory, names that start with a dot are skipped, and so are the directories that do (".git",
// macOS's "._song.flac" resource forks hold no audio); symbolic links to files are taken, symbolic links to
// directories are not followed (a link back up the tree would never end). Files are picked by name rather than
// by content so that a library is listed without opening every cover image and cue sheet in it; a caller that
// wants every file sniffed passes a match that accepts all.
//
// A directory that cannot be read is reported in errs, naming it, and the walk goes on with the rest.
func Expand(args []string, match func(name string) bool) (inputs []string, errs []error) {
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil || !st.IsDir() {
			inputs = append(inputs, arg)
			continue
		}
		filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", path, unwrapPath(err)))
				if d != nil && d.IsDir() && path != arg {
					return fs.SkipDir
				}
				return nil
			}
			if path != arg && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			switch {
			case d.IsDir():
				return nil
			case d.Type()&fs.ModeSymlink != 0:
				if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
					return nil
				}
			case !d.Type().IsRegular():
				return nil // a FIFO or a device inside a tree is not a file to measure
			}
			if match(d.Name()) {
				inputs = append(inputs, path)
			}
			return nil
		})
	}
	return inputs, errs
}

// unwrapPath drops the operation and the path of an fs.PathError, which the caller's message already names.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
