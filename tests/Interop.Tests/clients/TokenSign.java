import java.nio.file.*;
import java.security.*;
import java.security.cert.X509Certificate;

/** Signs a file with a private key of a PKCS#11 token through SunPKCS11: TokenSign CONFIG PIN ALIAS ALGORITHM IN OUT */
public class TokenSign {
    public static void main(String[] a) throws Exception {
        Provider p = Security.getProvider("SunPKCS11").configure(a[0]);
        Security.addProvider(p);
        KeyStore ks = KeyStore.getInstance("PKCS11", p);
        ks.load(null, a[1].toCharArray());
        PrivateKey key = (PrivateKey) ks.getKey(a[2], null);
        Signature s = Signature.getInstance(a[3], p);
        s.initSign(key);
        s.update(Files.readAllBytes(Path.of(a[4])));
        byte[] sig = s.sign();
        Files.write(Path.of(a[5]), sig);
        X509Certificate cert = (X509Certificate) ks.getCertificate(a[2]);
        System.out.println("provider " + p.getName() + " key " + a[2] + " " + key.getAlgorithm() + " signed with " + a[3] + ": " + sig.length + " bytes");
        System.out.println("certificate " + cert.getSubjectX500Principal().getName());
    }
}
